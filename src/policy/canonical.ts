/** Canonical JSON and the digests built on it: equal documents give equal text and equal digests. */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted and undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const r = value as Record<string, unknown>;
    const keys = Object.keys(r)
      .filter((k) => r[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(r[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hex sha256 of `text`. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Length of the digest a pod records per applied policy (48 bits: a drift marker, not a signature). */
export const RENDER_DIGEST_LENGTH = 12;
