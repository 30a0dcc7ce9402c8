/**
 * Writing manifests back: a document the CLI did not change is its original text, byte for byte; a
 * changed one is its parsed tree with the edits applied node by node, so its comments, key order and
 * number forms stay (`0400` stays `0400`, which kubectl reads as the same value). The edited tree is
 * checked against the value the engine produced; if it does not give exactly that value (an edit
 * through an alias or a merge key), the document is written fresh from the value instead.
 */
import { Document, isMap, isSeq, type Node } from 'yaml';
import { jsonEqual } from '../engine/equal.js';
import type { Operation } from '../engine/types.js';
import { KUBECTL_YAML, type YamlDocument } from './yaml-read.js';

/** Long strings (commands, URLs) stay on one line; no anchors are invented. */
const WRITE = { lineWidth: 0, aliasDuplicateObjects: false } as const;

function tokens(pointer: string): (string | number)[] {
  return pointer
    .split('/')
    .slice(1)
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Applies one op to the tree; false when the tree has no plain node where the op points. */
function apply(tree: Document, op: Operation): boolean {
  const path = tokens(op.path);
  const last = path.pop();
  if (last === undefined) return false;
  const parent: unknown = path.length === 0 ? tree.contents : tree.getIn(path, true);
  if (isSeq(parent)) {
    const index = last === '-' ? parent.items.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.items.length) return false;
    if (op.op === 'add') parent.items.splice(index, 0, tree.createNode(op.value) as Node);
    else if (op.op === 'replace') parent.items[index] = tree.createNode(op.value) as Node;
    else if (op.op === 'remove') parent.items.splice(index, 1);
    else return false;
    return true;
  }
  if (isMap(parent)) {
    if (op.op === 'add' || op.op === 'replace') parent.set(last, tree.createNode(op.value));
    else if (op.op === 'remove') parent.delete(last);
    else return false;
    return true;
  }
  return false;
}

/** A document with nothing written before it needs no marker; any later one starts with `---`. */
function marked(text: string, index: number): string {
  return index === 0 || text.startsWith('---') ? text : `---\n${text}`;
}

/**
 * The text of `doc` after `edits` (JSON Patch ops relative to the document), which must give
 * `value`. No edits: the document's original text.
 */
export function editedText(doc: YamlDocument, edits: readonly Operation[], value: unknown): string {
  if (edits.length === 0) return doc.text;
  const tree = doc.tree.clone();
  if (edits.every((op) => apply(tree, op)) && jsonEqual(tree.toJS(), value))
    return marked(tree.toString(WRITE), doc.index);
  return marked(new Document(value, KUBECTL_YAML).toString(WRITE), doc.index);
}
