/**
 * Typed parameter values (docs/semantics.md, "Typed parameters"): what each type accepts, the text
 * it renders, and an exact value for the bounds. Shared by the policy compiler (defaults and
 * bounds, at load) and the engine (annotation values, per pod). Every parse is bounded by the
 * length of the text, whatever the pod sends.
 */
import { parseDuration } from './duration.js';
import { compareExact, exactQuantity, type Exact } from './quantity.js';

export const PARAMETER_TYPES = ['String', 'Integer', 'Boolean', 'Duration', 'Quantity'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];
/** The types that take `minimum` and `maximum`. */
export const BOUNDED_TYPES: readonly ParameterType[] = ['Integer', 'Duration', 'Quantity'];

/** A typed value: the text a placeholder renders, and for bounded types its exact value. */
export interface TypedValue {
  readonly text: string;
  readonly exact?: Exact;
}

/** A bound of a parameter: as written (for messages) and exact. */
export interface Bound {
  readonly text: string;
  readonly exact: Exact;
}

/** What a value of each type looks like, for messages. */
export const EXPECTED: Readonly<Record<ParameterType, string>> = {
  String: 'a string',
  Integer: 'an integer (such as 3 or -1)',
  Boolean: 'a boolean (true or false)',
  Duration: 'a duration (such as 30s, 1m30s or 500ms)',
  Quantity: 'a non-negative quantity (such as 250m, 1.5, 128Mi or 1Gi)',
};

/** Longest integer text accepted: int64 has 19 digits, and a sign and leading zeros are allowed. */
const MAX_INTEGER_TEXT = 64;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/** Go's strconv.ParseBool, the spelling of booleans in Kubernetes flags. */
const BOOLEANS: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

/**
 * `text` read as a value of `type`, or undefined when it is not one. Integers (int64, as Go's
 * strconv.ParseInt reads them) and booleans render in canonical form (`+007` as `7`, `True` as
 * `true`); durations and quantities render as written, which the API server and Go programs read.
 */
export function readTyped(type: ParameterType, text: string): TypedValue | undefined {
  switch (type) {
    case 'String':
      return { text };
    case 'Integer': {
      if (text.length > MAX_INTEGER_TEXT || !/^[+-]?\d+$/.test(text)) return undefined;
      const n = BigInt(text);
      return n < MIN_INT64 || n > MAX_INT64 ? undefined : { text: String(n), exact: { num: n, den: 1n } };
    }
    case 'Boolean': {
      const b = Object.hasOwn(BOOLEANS, text) ? BOOLEANS[text] : undefined;
      return b === undefined ? undefined : { text: String(b) };
    }
    case 'Duration': {
      const ns = parseDuration(text);
      return ns === undefined ? undefined : { text, exact: { num: ns, den: 1n } };
    }
    case 'Quantity': {
      const q = exactQuantity(text);
      return q === undefined ? undefined : { text, exact: q };
    }
  }
}

/** Why `value` is outside [minimum, maximum], or undefined when it is inside (or unbounded). */
export function outOfBounds(
  value: TypedValue,
  minimum: Bound | undefined,
  maximum: Bound | undefined,
): string | undefined {
  if (value.exact === undefined) return undefined;
  if (minimum !== undefined && compareExact(value.exact, minimum.exact) < 0)
    return `is below the minimum ${minimum.text}`;
  if (maximum !== undefined && compareExact(value.exact, maximum.exact) > 0)
    return `is above the maximum ${maximum.text}`;
  return undefined;
}

/** "a Quantity from 64Mi to 2Gi", "an Integer of at least 1", "a Duration": the type and its bounds. */
export function describeType(type: ParameterType, minimum?: Bound, maximum?: Bound): string {
  const article = type === 'Integer' ? 'an' : 'a';
  if (minimum && maximum) return `${article} ${type} from ${minimum.text} to ${maximum.text}`;
  if (minimum) return `${article} ${type} of at least ${minimum.text}`;
  if (maximum) return `${article} ${type} of at most ${maximum.text}`;
  return `${article} ${type}`;
}
