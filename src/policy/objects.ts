/**
 * InjectionPolicy objects as the API server returns them, made into a policy set: each object is
 * checked exactly as a file is (load.ts) and is its own source, injectionpolicy/NAME, without line
 * numbers (an object is not a file). Used by `serve --policy-source crd` and `validate --from-cluster`.
 */
import { dump } from 'js-yaml';
import type { PolicySet } from '../engine/types.js';
import { buildPolicySet } from './compile.js';
import { err, type Diagnostic, type Result } from './diagnostics.js';
import { checkFile } from './load.js';

/** The name of an object's source in diagnostics. */
function sourceOf(object: unknown): string {
  const name = (object as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return `injectionpolicy/${typeof name === 'string' ? name : '?'}`;
}

/** The set the objects make (in name order), or every problem of every object. */
export function setFromObjects(objects: readonly unknown[]): Result<PolicySet, readonly Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  const policies = objects
    .map((o) => ({ o, source: sourceOf(o) }))
    .sort((a, b) => a.source.localeCompare(b.source))
    .flatMap(({ o, source }) => {
      const checked = checkFile(dump(JSON.parse(JSON.stringify(o))), source);
      diagnostics.push(...checked.diagnostics.map((d) => ({ ...d, line: 0 })));
      return checked.policies;
    });
  if (diagnostics.length > 0) return err(diagnostics);
  return buildPolicySet(policies);
}
