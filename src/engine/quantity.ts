/**
 * Kubernetes quantities (resource.Quantity) as exact values, with bounded work: a quantity of at
 * most 64 characters whose decimal exponent, after its suffix and fraction, stays within ±40
 * (docs/semantics.md, "Quantities"). Beyond that a quantity has no value here. The pod chooses its
 * quantities, and exact arithmetic on `1e300000000` would make the pod choose how much work one
 * admission does (the API server stores such values; its own Quantity keeps a bounded scale too).
 */

/** An exact non-negative number: num / den, den > 0. */
export interface Exact {
  readonly num: bigint;
  readonly den: bigint;
}

/** Decimal exponent of each suffix; binary suffixes are a power of 1024 instead. */
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };

/**
 * Beyond these a quantity is not brought to a canonical form: it stays the text it was, so it
 * equals only the very same text. No quantity a policy can render comes near these bounds: a
 * policy's are checked as the API server checks them.
 */
const MAX_QUANTITY_TEXT = 64;
const MAX_EXPONENT = 40;

/**
 * The exact value of a non-negative quantity ("0.5", "500m", "1Ki", "1e3"), or undefined when the
 * text is not one (the API server's grammar: a number, then a binary suffix, a decimal suffix or a
 * decimal exponent) or lies outside the bounds above.
 */
export function exactQuantity(text: string): Exact | undefined {
  if (text.length > MAX_QUANTITY_TEXT) return undefined;
  const m = /^\+?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4})|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(text);
  if (!m) return undefined;
  const [, int = '', frac = '', exp, suffix = ''] = m;
  if (int + frac === '') return undefined;
  const binary = BINARY[suffix] ?? 0;
  const e = (exp !== undefined ? Number(exp) : (DECIMAL[suffix] ?? 0)) - frac.length;
  // Counted in milli units, as the canonical form below is.
  if (Math.abs(e + 3) > MAX_EXPONENT) return undefined;
  const num = BigInt(int + frac) * 1024n ** BigInt(binary) * (e > 0 ? 10n ** BigInt(e) : 1n);
  return { num, den: e < 0 ? 10n ** BigInt(-e) : 1n };
}

/**
 * A quantity in milli units, rounded up as the API server does ("0.5" and "500m" are equal), or
 * undefined when it has no exact value here (exactQuantity).
 */
export function canonicalMilli(text: string): string | undefined {
  const q = exactQuantity(text);
  if (q === undefined) return undefined;
  return `${String((q.num * 1000n + q.den - 1n) / q.den)}m`;
}

/** -1, 0 or 1 as a is less than, equal to or greater than b; exact. */
export function compareExact(a: Exact, b: Exact): number {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
}
