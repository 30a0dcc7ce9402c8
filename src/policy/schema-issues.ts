/**
 * zod issues -> messages that say what is expected (pure). zod's own English ("Invalid input:
 * expected string, received number") names neither the field's allowed values nor the typo's
 * likely intent; these messages do, one per problem, with the path of the field at fault.
 */
import type { z } from 'zod';
import type { PathIssue } from './placeholders.js';
import { didYouMean } from './suggest.js';

/**
 * Passed as the per-parse error map: schema-level custom messages (the DNS-1123 rule…) take
 * precedence over it, so any issue that still carries this marker gets a message written here.
 */
export const DEFAULT_MESSAGE = '\u0000default';
/** The per-parse error map that marks every issue without a schema-level message. */
export const markDefaults = (): string => DEFAULT_MESSAGE;

/** Runs `schema` on `value`; returns its output or every issue, ready for diagnostics. */
export function validateWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { ok: true; data: z.output<S> } | { ok: false; issues: PathIssue[] } {
  const result = schema.safeParse(value, { error: markDefaults });
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, issues: result.error.issues.flatMap((issue) => explain(issue, schema, value, [])) };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describe(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object (a map)',
};

interface SchemaNode {
  readonly _zod: { readonly def: Readonly<Record<string, unknown>> & { readonly type: string } };
}

/** The schema node that validates `path` (through optional/default/array/record wrappers). */
function schemaAt(schema: unknown, path: readonly PropertyKey[]): SchemaNode | undefined {
  let node = schema as SchemaNode | undefined;
  const unwrap = (): void => {
    for (let guard = 0; node !== undefined && guard < 20; guard++) {
      const def = node._zod.def;
      if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type))
        node = def['innerType'] as SchemaNode;
      else if (def.type === 'pipe') node = def['in'] as SchemaNode;
      else return;
    }
  };
  for (const key of path) {
    unwrap();
    if (node === undefined) return undefined;
    const def = node._zod.def;
    if (def.type === 'object') node = (def['shape'] as Record<PropertyKey, SchemaNode>)[key];
    else if (def.type === 'array') node = def['element'] as SchemaNode;
    else if (def.type === 'record') node = def['valueType'] as SchemaNode;
    else if (def.type === 'union')
      node = (def['options'] as SchemaNode[]).find((o) => schemaAt(o, [key]) !== undefined);
    else return undefined;
  }
  unwrap();
  return node;
}

function allowedKeys(schema: unknown, path: readonly PropertyKey[]): string[] {
  const node = schemaAt(schema, path);
  if (node?._zod.def.type !== 'object') return [];
  return Object.keys(node._zod.def['shape'] as object);
}

/** What a union accepted, from the first issue of each of its branches: `"*" or a list`. */
function unionExpectation(branches: readonly (readonly z.core.$ZodIssue[])[]): string {
  const parts = branches.map((issues) => {
    const first = issues[0];
    if (first?.code === 'invalid_value') return first.values.map((v) => JSON.stringify(v)).join(' or ');
    if (first?.code === 'invalid_type') return EXPECTED[first.expected] ?? first.expected;
    return 'another form';
  });
  return [...new Set(parts)].join(' or ');
}

/** One zod issue (at `prefix` inside a union branch) -> one or more path issues. */
function explain(issue: z.core.$ZodIssue, schema: unknown, root: unknown, prefix: readonly PropertyKey[]): PathIssue[] {
  const path = [...prefix, ...issue.path];
  const value = valueAt(root, path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(schema, path);
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: `unknown field "${key}"${didYouMean(key, allowed)}${allowed.length > 0 ? `; allowed here: ${allowed.join(', ')}` : ''}`,
    }));
  }
  if (issue.code === 'invalid_union') {
    // A branch whose problems are all deeper than the union itself is the form the author chose
    // (a list with a bad item): report those problems, not "expected A or B".
    const chosen = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
    if (chosen) return chosen.flatMap((inner) => explain(inner, schema, root, path));
    return [{ path, message: `expected ${unionExpectation(issue.errors)}, got ${describe(value)}` }];
  }
  if (issue.message !== DEFAULT_MESSAGE) {
    // A rule written next to the field ("must be a DNS-1123 label …"): lead with the offending value.
    const lead = typeof value === 'string' && issue.message.startsWith('must ') ? `${JSON.stringify(value)} ` : '';
    return [{ path, message: `${lead}${issue.message}` }];
  }
  // The Kubernetes objects are free-form maps to zod; name what they should be.
  const kube = /^A Kubernetes (\w+),/.exec(
    (schemaAt(schema, path) as { description?: string } | undefined)?.description ?? '',
  );
  if (kube && issue.code === 'invalid_type')
    return [{ path, message: `expected a Kubernetes ${kube[1] ?? ''} (an object), got ${describe(value)}` }];
  return [{ path, message: defaultMessage(issue, value) }];
}

function defaultMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return value === undefined
        ? `missing required field: expected ${expected}`
        : `expected ${expected}, got ${describe(value)}`;
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v));
      const hint = typeof value === 'string' ? didYouMean(value, issue.values.map(String)) : '';
      return `${value === undefined ? 'missing required field' : `${describe(value)} is not allowed`}: expected ${allowed.length > 2 ? `one of ${allowed.join(', ')}` : allowed.join(' or ')}${hint}`;
    }
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} item(s)`;
      return `must be at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters long' : ''}`;
    case 'too_big':
      if (issue.origin === 'array') return `must have at most ${String(issue.maximum)} item(s)`;
      return `must be at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters long' : ''}`;
    case 'invalid_format':
      return `${describe(value)} is not a valid ${issue.format}${issue.format === 'regex' && 'pattern' in issue ? ` (must match ${issue.pattern})` : ''}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_key':
      return `invalid key: ${issue.issues.map((i) => defaultMessage(i, undefined)).join('; ')}`;
    case 'invalid_element':
      return `invalid element: ${issue.issues.map((i) => defaultMessage(i, undefined)).join('; ')}`;
    default:
      return issue.message === DEFAULT_MESSAGE ? 'invalid value' : issue.message;
  }
}
