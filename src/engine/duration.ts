/**
 * Durations in the grammar of Go's time.ParseDuration, which Kubernetes users know from every
 * `--timeout` flag: a sign, then one or more decimal numbers each with a unit (`300ms`, `1.5h`,
 * `2h45m`), units ns, us (or µs, μs), ms, s, m, h; `0` alone needs none. The value is whole
 * nanoseconds in int64, as in Go: a fraction below a nanosecond is dropped, and a duration beyond
 * about 292 years is invalid. The text is at most 64 characters, so the work is bounded whatever
 * the pod sends.
 */

const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX_DURATION_TEXT = 64;
const MAX_INT64 = 2n ** 63n - 1n;
const COMPONENT = /^(\d*)(?:\.(\d*))?([^\d.]+)/;

/** The duration in nanoseconds, or undefined when `text` is not one Go would parse. */
export function parseDuration(text: string): bigint | undefined {
  if (text.length > MAX_DURATION_TEXT) return undefined;
  let rest = text;
  const negative = rest.startsWith('-');
  if (negative || rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  const limit = negative ? MAX_INT64 + 1n : MAX_INT64;
  let total = 0n;
  while (rest !== '') {
    const m = COMPONENT.exec(rest);
    if (!m) return undefined; // a number without a unit, or no number at all
    const [whole, int = '', frac = '', unitName = ''] = m;
    const unit = UNITS[unitName];
    if ((int === '' && frac === '') || unit === undefined) return undefined;
    total += BigInt(int === '' ? '0' : int) * unit;
    if (frac !== '') total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    if (total > limit) return undefined;
    rest = rest.slice(whole.length);
  }
  return negative ? -total : total;
}
