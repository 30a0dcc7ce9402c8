/**
 * Parameters (after selection, before rendering): a value comes from the pod annotation, else the
 * default; it must match the (anchored) pattern, or be a value of the parameter's type within its
 * bounds (param-types.ts), rendered in that type's form. Values are untrusted pod-author input: they are
 * checked here and only ever inserted as literal text by the renderer policy/templates.ts compiles.
 */
import { annotation, quoteValue } from './annotations.js';
import { describeType, EXPECTED, outOfBounds, readTyped } from './param-types.js';
import { Reason } from './reasons.js';
import type { CompiledPolicy } from './types.js';

/** Resolved values by parameter name, or why a parameter has no acceptable value. */
export type ParamsResult =
  | { readonly ok: true; readonly values: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly reason: Reason; readonly problem: string };

const NONE: ParamsResult = { ok: true, values: new Map() };

/** Resolves every parameter of `policy`; the first bad one is reported. */
export function resolveParams(policy: CompiledPolicy, annotations: Readonly<Record<string, string>>): ParamsResult {
  if (policy.parameters.length === 0) return NONE;
  const values = new Map<string, string>();
  for (const p of policy.parameters) {
    const value = annotation(annotations, p.annotation) ?? p.default;
    if (value === undefined)
      return {
        ok: false,
        reason: Reason.ParamMissing,
        problem: `parameter "${p.name}" has no value and no default: set annotation ${p.annotation}`,
      };
    if (p.maxLength !== undefined && value.length > p.maxLength)
      return {
        ok: false,
        reason: Reason.ParamInvalid,
        problem: `annotation ${p.annotation} is ${String(value.length)} characters long; parameter "${p.name}" allows at most ${String(p.maxLength)}`,
      };
    if (p.pattern && !p.pattern.test(value))
      return {
        ok: false,
        reason: Reason.ParamInvalid,
        problem: `annotation ${p.annotation}=${quoteValue(value)} does not match ${p.pattern.source}`,
      };
    if (p.type === 'String') {
      values.set(p.name, value);
      continue;
    }
    // The default was checked at load; only an annotation value can fail here.
    const typed = readTyped(p.type, value);
    const why = typed === undefined ? `is not ${EXPECTED[p.type]}` : outOfBounds(typed, p.minimum, p.maximum);
    if (typed === undefined || why !== undefined)
      return {
        ok: false,
        reason: Reason.ParamInvalid,
        problem: `annotation ${p.annotation}=${quoteValue(value)} ${why ?? ''}: parameter "${p.name}" is ${describeType(p.type, p.minimum, p.maximum)}`,
      };
    values.set(p.name, typed.text);
  }
  return { ok: true, values };
}
