/**
 * A deliberately small RFC 6902 (JSON Patch) applier, written from the RFC and independent of
 * fast-json-patch (which the engine uses), so that "the patch applies and yields `mutated`" is
 * checked by a second implementation rather than by the one that produced it. Strict: any op the
 * RFC says is an error throws (missing parent, index out of range, leading zeros, unknown op).
 * It never mutates its input and never walks the prototype chain (`__proto__` is an ordinary key).
 */

/** A JSON value as JSON.parse returns it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One RFC 6902 operation as it arrives on the wire (fields checked at apply time). */
export interface PatchOp {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: unknown;
}

/** Thrown for every RFC 6902 error condition, naming the op index and the reason. */
export class PatchError extends Error {
  override readonly name = 'PatchError';
}

/** RFC 6901 §3-4: split a pointer into reference tokens and unescape ~1 then ~0 (order matters). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`JSON pointer ${JSON.stringify(pointer)} must start with '/'`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => {
      if (/~[^01]|~$/.test(t)) throw new PatchError(`JSON pointer token ${JSON.stringify(t)} has a bad ~ escape`);
      return t.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

/** RFC 6901 escaping of one token (for building expected pointers in tests). */
export function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** A fresh deep copy through JSON, which keeps `__proto__` as an own key (JSON.parse defines it). */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const isObject = (v: Json): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

function arrayIndex(token: string, length: number, forAdd: boolean, where: string): number {
  if (forAdd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token))
    throw new PatchError(`${where}: ${JSON.stringify(token)} is not an array index`);
  const i = Number(token);
  if (i > length || (!forAdd && i === length))
    throw new PatchError(`${where}: index ${i} out of range (length ${length})`);
  return i;
}

/** Resolves every token but the last: the container the op acts on. */
function parentOf(doc: Json, tokens: readonly string[], where: string): Json {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false, where)] as Json;
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t] as Json;
    else throw new PatchError(`${where}: path component ${JSON.stringify(t)} does not exist`);
  }
  return cur;
}

function get(doc: Json, pointer: string, where: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, where);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent.length, false, where)] as Json;
  if (isObject(parent) && Object.hasOwn(parent, last)) return parent[last] as Json;
  throw new PatchError(`${where}: ${pointer} does not exist`);
}

function setOwn(obj: { [key: string]: Json }, key: string, value: Json): void {
  // defineProperty, not assignment: `obj['__proto__'] = v` would change the prototype instead.
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Returns the new document (the root may be replaced). */
function add(doc: Json, pointer: string, value: Json, where: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, where);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true, where), 0, value);
  else if (isObject(parent)) setOwn(parent, last, value);
  else throw new PatchError(`${where}: parent of ${pointer} is not a container`);
  return doc;
}

function remove(doc: Json, pointer: string, where: string): { doc: Json; removed: Json } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchError(`${where}: cannot remove the root`);
  const parent = parentOf(doc, tokens, where);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(last, parent.length, false, where), 1);
    return { doc, removed: removed as Json };
  }
  if (isObject(parent) && Object.hasOwn(parent, last)) {
    const removed = parent[last] as Json;
    Reflect.deleteProperty(parent, last);
    return { doc, removed };
  }
  throw new PatchError(`${where}: ${pointer} does not exist`);
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i] as Json));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length &&
      ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k] as Json, b[k] as Json))
    );
  }
  return false;
}

/**
 * Applies `ops` in order to a copy of `doc` and returns the result; throws PatchError on the first
 * op that RFC 6902 §4-5 says is an error (the whole patch then fails, as the API server does).
 */
export function applyPatch(doc: unknown, ops: readonly PatchOp[]): Json {
  let cur = cloneJson(doc) as Json;
  ops.forEach((op, i) => {
    const where = `op ${i} (${op.op} ${op.path})`;
    if (typeof op.path !== 'string') throw new PatchError(`${where}: path must be a string`);
    const needsValue = op.op === 'add' || op.op === 'replace' || op.op === 'test';
    if (needsValue && !('value' in op)) throw new PatchError(`${where}: missing value`);
    const value = needsValue ? cloneJson(op.value as Json) : null;
    switch (op.op) {
      case 'add':
        cur = add(cur, op.path, value, where);
        break;
      case 'remove':
        cur = remove(cur, op.path, where).doc;
        break;
      case 'replace':
        get(cur, op.path, where); // must exist
        cur = parsePointer(op.path).length === 0 ? value : add(remove(cur, op.path, where).doc, op.path, value, where);
        break;
      case 'move': {
        if (typeof op.from !== 'string') throw new PatchError(`${where}: missing from`);
        if (op.path.startsWith(op.from + '/')) throw new PatchError(`${where}: cannot move into a child of itself`);
        const r = remove(cur, op.from, where);
        cur = add(r.doc, op.path, r.removed, where);
        break;
      }
      case 'copy':
        if (typeof op.from !== 'string') throw new PatchError(`${where}: missing from`);
        cur = add(cur, op.path, cloneJson(get(cur, op.from, where)), where);
        break;
      case 'test':
        if (!deepEqual(get(cur, op.path, where), value)) throw new PatchError(`${where}: test failed`);
        break;
      default:
        throw new PatchError(`${where}: unknown op ${JSON.stringify(op.op)}`);
    }
  });
  return cur;
}
