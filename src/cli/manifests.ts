/**
 * Reading manifests for `inject` and `test`: a file or stdin, one or more YAML documents (JSON is
 * YAML), read as kubectl reads them (yaml-read.ts). Every malformed document is an error naming
 * the file, the document and the line. Empty documents carry no object, as kubectl skips them, but
 * keep their text so that the output can reproduce the input.
 */
import { readFile } from 'node:fs/promises';
import type { KubeObject } from '../kube/wire.js';
import type { CliIO } from './io.js';
import { readYaml, type YamlDocument } from './yaml-read.js';
import { isRecord } from '../engine/equal.js';

/** One document of the manifest: its text and tree, and the object it holds (none when empty). */
export interface ManifestEntry {
  readonly source: YamlDocument;
  readonly object?: KubeObject;
}

/** The documents of a manifest, or a message naming file:line. */
export type Manifest =
  | {
      /** The objects, in order (empty documents left out). */
      readonly docs: readonly KubeObject[];
      /** Every document, empty ones included. */
      readonly entries: readonly ManifestEntry[];
      /** Lines for stderr: what kubectl reads silently but a reviewer should know (duplicate keys). */
      readonly warnings: readonly string[];
    }
  | { readonly error: string };

const NOT_AN_OBJECT = 'is not a Kubernetes object (a mapping with apiVersion and kind)';

/** The first item of a List (at any depth) that is not an object, as a path and what it is. */
function badItem(value: Record<string, unknown>, path: (string | number)[] = []): (string | number)[] | undefined {
  const items = value['items'];
  if (typeof value['kind'] !== 'string' || !value['kind'].endsWith('List') || !Array.isArray(items)) return undefined;
  for (const [i, item] of (items as unknown[]).entries()) {
    if (!isRecord(item)) return [...path, 'items', i];
    const inner = badItem(item, [...path, 'items', i]);
    if (inner) return inner;
  }
  return undefined;
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`);

function pathText(path: readonly (string | number)[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
}

/** Parses YAML text into Kubernetes objects; `name` is the file (or `<stdin>`) for messages. */
export function parseManifest(text: string, name: string): Manifest {
  const read = readYaml(text, name);
  if ('error' in read) return read;
  const entries: ManifestEntry[] = [];
  for (const source of read.docs) {
    const value = source.value;
    if (value === null || value === undefined) {
      entries.push({ source });
      continue;
    }
    const where = `${name}:${source.line}: document ${source.index + 1}`;
    if (!isRecord(value)) return { error: `${where} ${NOT_AN_OBJECT}; it is ${describe(value)}` };
    const bad = badItem(value);
    if (bad) {
      let item: unknown = value;
      for (const key of bad) item = (item as Record<string | number, unknown>)[key];
      return {
        error: `${name}:${source.lineOf(bad)}: document ${source.index + 1}: ${pathText(bad)} ${NOT_AN_OBJECT}; it is ${describe(item)}`,
      };
    }
    entries.push({ source, object: value });
  }
  const docs = entries.flatMap((e) => (e.object ? [e.object] : []));
  return { docs, entries, warnings: read.warnings };
}

/** Reads `file` (or stdin for `-`) and parses it. */
export async function readManifest(file: string, io: CliIO): Promise<Manifest> {
  const name = file === '-' ? '<stdin>' : file;
  let text: string;
  try {
    text = file === '-' ? await io.stdin() : await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { error: `${name}: cannot read (${code ?? String(error)})` };
  }
  return parseManifest(text, name);
}
