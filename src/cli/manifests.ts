/**
 * Reading manifests for `inject` and `test`: a file or stdin, one or more YAML documents (JSON is
 * YAML). Parse errors name the file and line. Empty documents are dropped, as kubectl does.
 */
import { readFile } from 'node:fs/promises';
import { formatDiagnostic } from '../policy/diagnostics.js';
import { parseDocuments } from '../policy/parse.js';
import type { KubeObject } from '../kube/wire.js';
import type { CliIO } from './io.js';

/** The documents of a manifest, or a message naming file:line. */
export type Manifest = { readonly docs: readonly KubeObject[] } | { readonly error: string };

/** Parses YAML text into Kubernetes objects; `name` is the file (or `<stdin>`) for messages. */
export function parseManifest(text: string, name: string): Manifest {
  // Same reader as the policy loader: CORE_SCHEMA, so `2024-01-01` and `on` stay strings as the API server reads them.
  const parsed = parseDocuments(text, name);
  if (!parsed.ok) return { error: parsed.error.map(formatDiagnostic).join('\n') };
  const docs: KubeObject[] = [];
  for (const doc of parsed.value) {
    if (typeof doc.value !== 'object' || doc.value === null || Array.isArray(doc.value)) {
      return {
        error: `${name}:${doc.line}: document ${doc.index + 1} is not a Kubernetes object (a mapping with apiVersion and kind)`,
      };
    }
    docs.push(doc.value as KubeObject);
  }
  return { docs };
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
