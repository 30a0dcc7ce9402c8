/**
 * Manifests read the way kubectl reads them. kubectl decodes YAML with go-yaml v2 (through
 * sigs.k8s.io/yaml), which implements YAML 1.1: `0400` is octal (256), `yes`/`on`/`y` are booleans,
 * `1_000` is 1000, a double-quoted `\'` is a quote, and a key given twice keeps its last value.
 * A YAML 1.2 reader turns `defaultMode: 0400` into 400, which the API server stores as octal 0620:
 * the preview would silently change file permissions. go-yaml v2 has no sexagesimal numbers and
 * leaves timestamps as strings, so those YAML 1.1 types are left out here too.
 *
 * Each document keeps its parsed tree (comments included) and the exact text it came from, so a
 * document the CLI does not change is written back byte for byte (yaml-edit.ts).
 */
import { LineCounter, parseAllDocuments, type Document, type ParsedNode, type Tags, isScalar, visit } from 'yaml';

/** go-yaml v2 reads `0o17` as octal too (Go's strconv base 0); YAML 1.1 itself knows only `017`. */
const OCTAL_O = {
  identify: (value: unknown) => typeof value === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  test: /^[-+]?0o[0-7_]+$/,
  resolve: (text: string) => {
    const sign = text.startsWith('-') ? -1 : 1;
    return sign * parseInt(text.replace(/^[-+]?0o/, '').replaceAll('_', ''), 8);
  },
} as const;

/** YAML 1.1 without what go-yaml v2 does not resolve: timestamps and base-60 numbers. */
function kubectlTags(tags: Tags): Tags {
  const kept = tags.filter((t) => {
    const tag = typeof t === 'string' ? t : t.tag;
    const format = typeof t === 'string' ? undefined : t.format;
    return tag !== 'tag:yaml.org,2002:timestamp' && format !== 'TIME';
  });
  return [...kept, OCTAL_O];
}

export const KUBECTL_YAML = {
  version: '1.1',
  merge: true,
  uniqueKeys: false,
  customTags: kubectlTags,
  // A hostile manifest must not expand aliases into gigabytes ("billion laughs").
  maxAliasCount: 1000,
} as const;

/** One document of a manifest file. */
export interface YamlDocument {
  /** 0-based position in the file (empty documents count). */
  readonly index: number;
  /** 1-based line where the document's content starts. */
  readonly line: number;
  /** The text of the document as written, from the end of the previous one (comments, `---`). */
  readonly text: string;
  /** The parsed tree, with comments: what yaml-edit.ts changes. */
  readonly tree: Document.Parsed;
  /** The plain value (null for an empty document). */
  readonly value: unknown;
  /** 1-based line of a path in the document, or of its nearest written parent. */
  readonly lineOf: (path: readonly (string | number)[]) => number;
}

export type ReadResult =
  { readonly docs: readonly YamlDocument[]; readonly warnings: readonly string[] } | { readonly error: string };

/** Offsets of the `\'` escapes YAML refuses in double quotes and go-yaml accepts. */
function quoteEscapes(docs: readonly Document.Parsed[], text: string): number[] {
  const at: number[] = [];
  for (const d of docs)
    for (const e of d.errors)
      if (e.code === 'BAD_DQ_ESCAPE' && text.slice(e.pos[0], e.pos[0] + 2) === "\\'") at.push(e.pos[0]);
  return at;
}

/** Parses `text` (file `name`) as kubectl would; the first syntax error is the result's error. */
export function readYaml(text: string, name: string): ReadResult {
  let lines = new LineCounter();
  let trees = parseAllDocuments(text, { ...KUBECTL_YAML, lineCounter: lines });
  // Where each removed backslash was, in the text that was parsed (the first at its own offset).
  let removed: number[] = [];
  const escapes = Array.isArray(trees) ? quoteEscapes(trees, text) : [];
  if (escapes.length > 0) {
    // Drop the backslash of each `\'` (a bare quote is fine inside double quotes) and parse again.
    // No line changes, so lines stay right; offsets are shifted back to slice the original text.
    const source = escapes.reduceRight((s, at) => s.slice(0, at) + s.slice(at + 1), text);
    lines = new LineCounter();
    trees = parseAllDocuments(source, { ...KUBECTL_YAML, lineCounter: lines });
    removed = escapes.map((at, j) => at - j);
  }
  if (!Array.isArray(trees)) return { docs: [], warnings: [] }; // an empty stream
  const original = (offset: number): number => offset + removed.filter((at) => at < offset).length;
  const lineAt = (offset: number): number => lines.linePos(offset).line;
  const docs: YamlDocument[] = [];
  const warnings: string[] = [];
  let previousEnd = 0;
  for (const [index, tree] of trees.entries()) {
    const error = tree.errors[0];
    if (error)
      return {
        error: `${name}:${lineAt(error.pos[0])}: YAML syntax error in document ${index + 1}: ${error.message.split('\n', 1)[0] ?? ''}`,
      };
    const lineOf = (path: readonly (string | number)[]): number => {
      for (let n = path.length; n >= 0; n--) {
        const node = tree.getIn(path.slice(0, n), true) as ParsedNode | undefined;
        if (node?.range) return lineAt(node.range[0]);
      }
      return lineAt(tree.range[0]);
    };
    warnings.push(...duplicateKeys(tree, (offset) => `${name}:${lineAt(offset)}`, index));
    let value: unknown;
    try {
      value = tree.toJS({ maxAliasCount: KUBECTL_YAML.maxAliasCount });
    } catch (e) {
      return {
        error: `${name}:${lineAt(tree.range[0])}: document ${index + 1}: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
    // The last document also takes whatever follows it (trailing comments, a final newline).
    const end = index === trees.length - 1 ? text.length : original(tree.range[2]);
    docs.push({ index, line: lineOf([]), text: text.slice(previousEnd, end), tree, value, lineOf });
    previousEnd = end;
  }
  return { docs, warnings };
}

/** A warning for each key written twice in one mapping (kubectl keeps the last, silently). */
function duplicateKeys(tree: Document.Parsed, where: (offset: number) => string, index: number): string[] {
  const out: string[] = [];
  visit(tree, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = pair.key.value;
        if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') continue;
        if (seen.has(key))
          out.push(
            `warning: ${where(pair.key.range?.[0] ?? 0)}: document ${index + 1}: key ${JSON.stringify(String(key))} is given twice in one mapping; the last value wins, as kubectl reads it`,
          );
        seen.add(key);
      }
    },
  });
  return out;
}
