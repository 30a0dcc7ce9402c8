/**
 * Load-time checks of a typed parameter (docs/policy-reference.md, "Parameters"): which fields its
 * type takes, its bounds read as values of the type with minimum ≤ maximum, and its default a value
 * of the type within the bounds. Each problem names the field. The CRD's CEL rules (hack/crd.ts)
 * refuse the same policies on `kubectl apply`.
 */
import {
  BOUNDED_TYPES,
  EXPECTED,
  outOfBounds,
  readTyped,
  type Bound,
  type ParameterType,
} from '../engine/param-types.js';
import { compareExact } from '../engine/quantity.js';
import type { Parameter } from './schema.js';

/** Reports a problem at a field of the parameter (`minimum`, `default`…). */
type Report = (field: string, message: string) => void;

function readBound(type: ParameterType, field: 'minimum' | 'maximum', p: Parameter, report: Report): Bound | undefined {
  const raw = p[field];
  if (raw === undefined) return undefined;
  const value = readTyped(type, raw);
  if (value?.exact === undefined) {
    report(field, `${field} ${JSON.stringify(raw)} is not ${EXPECTED[type]}, as a ${type} parameter's must be`);
    return undefined;
  }
  return { text: raw, exact: value.exact };
}

/** The bounds of parameter `p`, after reporting every problem of its type, bounds and default. */
export function typedParameter(p: Parameter, report: Report): { minimum?: Bound; maximum?: Bound } {
  const type = p.type;
  if (type !== 'String')
    for (const field of ['pattern', 'maxLength'] as const)
      if (p[field] !== undefined)
        report(
          field,
          `applies to String parameters only: ${type === 'Integer' ? 'an' : 'a'} ${type} value is checked by its type and bounds`,
        );
  if (!BOUNDED_TYPES.includes(type)) {
    for (const field of ['minimum', 'maximum'] as const)
      if (p[field] !== undefined)
        report(field, `applies to Integer, Duration and Quantity parameters only, not to a ${type} parameter`);
    if (type === 'Boolean' && p.default !== undefined && readTyped(type, p.default) === undefined)
      report('default', `default ${JSON.stringify(p.default)} is not ${EXPECTED[type]}`);
    return {};
  }
  const minimum = readBound(type, 'minimum', p, report);
  const maximum = readBound(type, 'maximum', p, report);
  if (minimum && maximum && compareExact(minimum.exact, maximum.exact) > 0)
    report('maximum', `maximum ${maximum.text} is below the minimum ${minimum.text}`);
  if (p.default !== undefined) {
    const value = readTyped(type, p.default);
    const why = value === undefined ? `is not ${EXPECTED[type]}` : outOfBounds(value, minimum, maximum);
    if (why !== undefined) report('default', `default ${JSON.stringify(p.default)} ${why}`);
  }
  return { ...(minimum ? { minimum } : {}), ...(maximum ? { maximum } : {}) };
}
