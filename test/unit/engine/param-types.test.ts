import { deepStrictEqual, equal } from 'node:assert/strict';
import { parseDuration } from '../../../src/engine/duration.js';
import { outOfBounds, readTyped, type Bound, type ParameterType } from '../../../src/engine/param-types.js';
import { compareExact, exactQuantity } from '../../../src/engine/quantity.js';

const text = (type: ParameterType, value: string) => readTyped(type, value)?.text;
const bound = (type: ParameterType, value: string): Bound => {
  const exact = readTyped(type, value)?.exact;
  if (exact === undefined) throw new Error(`not a bound: ${value}`);
  return { text: value, exact };
};

describe('typed parameter values', () => {
  it('Integer: int64 as Go reads it, rendered in canonical form', () => {
    deepStrictEqual(
      ['0', '42', '-7', '+007', '9223372036854775807', '-9223372036854775808'].map((v) => text('Integer', v)),
      ['0', '42', '-7', '7', '9223372036854775807', '-9223372036854775808'],
    );
    for (const bad of ['', '1.5', '1e3', ' 1', '0x10', '9223372036854775808', '-9223372036854775809', '1_000'])
      equal(text('Integer', bad), undefined, bad);
  });

  it("Boolean: Go's strconv.ParseBool spellings, rendered true or false", () => {
    deepStrictEqual(
      ['true', 'True', 'TRUE', 't', '1', 'false', 'F', '0'].map((v) => text('Boolean', v)),
      ['true', 'true', 'true', 'true', 'true', 'false', 'false', 'false'],
    );
    for (const bad of ['yes', 'on', 'tRUE', '', 'constructor', '__proto__'])
      equal(text('Boolean', bad), undefined, bad);
  });

  it("Duration: Go's time.ParseDuration grammar, in nanoseconds, rendered as written", () => {
    const ns = (v: string) => parseDuration(v);
    deepStrictEqual(['0', '300ms', '-1.5h', '+2h45m', '1µs', '1μs', '1us', '1.s', '.5s', '1h0m0.000000001s'].map(ns), [
      0n,
      300_000_000n,
      -5_400_000_000_000n,
      9_900_000_000_000n,
      1000n,
      1000n,
      1000n,
      1_000_000_000n,
      500_000_000n,
      3_600_000_000_001n,
    ]);
    equal(ns('2562047h47m16.854775807s'), 2n ** 63n - 1n, 'the largest int64 duration');
    for (const bad of ['', '1', '-', '.s', 's', '1d', '1h-2m', '1 s', '2562047h47m16.854775808s', `${'9'.repeat(70)}s`])
      equal(ns(bad), undefined, bad);
    equal(text('Duration', '1m30s'), '1m30s');
  });

  it('Quantity: the API server grammar, non-negative, compared exactly', () => {
    deepStrictEqual(
      ['250m', '0.5', '128Mi', '1e3', '1.5Gi', '+1', '100n'].map((v) => text('Quantity', v)),
      ['250m', '0.5', '128Mi', '1e3', '1.5Gi', '+1', '100n'],
    );
    for (const bad of ['-1', '1GB', 'Mi', '1.5e3Ki', '1e300000000', '']) equal(text('Quantity', bad), undefined, bad);
    const q = (v: string) => exactQuantity(v) ?? { num: -1n, den: 1n };
    equal(compareExact(q('0.5'), q('500m')), 0);
    equal(compareExact(q('1Gi'), q('1073741824')), 0);
    equal(compareExact(q('1.0000000001Gi'), q('1Gi')), 1, 'exact: no rounding to milli units');
    equal(compareExact(q('1n'), q('0')), 1);
  });

  it('bounds are inclusive, and compared exactly for each bounded type', () => {
    const min = bound('Quantity', '64Mi');
    const max = bound('Quantity', '1Gi');
    const check = (v: string) => outOfBounds(readTyped('Quantity', v) ?? { text: v }, min, max);
    deepStrictEqual(['64Mi', '1Gi', '0.5Gi', '67108863', '1073741825'].map(check), [
      undefined,
      undefined,
      undefined,
      'is below the minimum 64Mi',
      'is above the maximum 1Gi',
    ]);
    const dmax = bound('Duration', '1h');
    equal(outOfBounds(readTyped('Duration', '59m60s') ?? { text: '' }, undefined, dmax), undefined);
    equal(
      outOfBounds(readTyped('Duration', '1h0.000000001s') ?? { text: '' }, undefined, dmax),
      'is above the maximum 1h',
    );
    equal(
      outOfBounds(readTyped('Integer', '-1') ?? { text: '' }, bound('Integer', '0'), undefined),
      'is below the minimum 0',
    );
  });
});
