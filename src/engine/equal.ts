/**
 * Structural equality for JSON values. The identity check comes first, so comparing two trees
 * that share most of their branches (the original pod and the mutated one) costs only the
 * branches that differ: this is what keeps the patch verification cheap on pods with large
 * `managedFields`.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  // Keys whose value is undefined do not exist in JSON: they are skipped on both sides.
  let countA = 0;
  for (const k in ra) {
    if (!Object.hasOwn(ra, k) || ra[k] === undefined) continue;
    countA++;
    if (!Object.hasOwn(rb, k) || !jsonEqual(ra[k], rb[k])) return false;
  }
  let countB = 0;
  for (const k in rb) if (Object.hasOwn(rb, k) && rb[k] !== undefined) countB++;
  return countA === countB;
}

/**
 * A shallow copy of a wire object with some fields replaced. The wire types are client-node model
 * classes in name only: the values are plain JSON, so copying them this way loses nothing. Spread,
 * not Object.assign: a JSON key "__proto__" must be copied as data, never set the prototype.
 */
export function copyWith<T extends object>(base: T | undefined, fields: Partial<T>): T {
  const plain: object = base ?? {};
  const out: unknown = { ...plain, ...(fields as object) };
  return out as T;
}

/** A JSON object (not null, not an array): the one such check of the codebase. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
