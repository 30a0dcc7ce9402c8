/**
 * Printers for `inject` and `test`, all deterministic: js-yaml without key sorting (key order is
 * the input's), no line folding (lineWidth -1, so long commands and URLs stay on one line), no
 * anchors (noRefs), JSON with two-space indent. `inject -o yaml` writes documents with
 * yaml-edit.ts instead, which keeps what it does not change.
 */
import { dump } from 'js-yaml';
import type { Operation } from '../engine/types.js';

/** The CLI's output formats (-o). */
export const OUTPUT_FORMATS = ['yaml', 'json', 'patch'] as const;
/** One of OUTPUT_FORMATS. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** One YAML document, ending with a newline. */
export function toYaml(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true, sortKeys: false });
}

/** Pretty JSON with a trailing newline. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** One object: the document itself, or a v1 List of all documents when there are several (as kubectl -o json). */
export function jsonOutput(docs: readonly unknown[]): string {
  if (docs.length === 1) return toJson(docs[0]);
  return toJson({ apiVersion: 'v1', kind: 'List', metadata: {}, items: docs });
}

/**
 * One JSON array of ops per input document, in document order, separated by `---` lines: a single
 * document prints plain JSON; several form a YAML stream (JSON is YAML) that any YAML reader splits.
 * Paths are relative to each document, so `kubectl patch --type json` can apply them.
 */
export function patchOutput(patches: readonly (readonly Operation[])[]): string {
  return patches.map(toJson).join('---\n');
}
