/**
 * Turns plain policy documents (what YAML parsing gives) into a PolicySet the way the loader does:
 * InjectionPolicySchema, then compilePolicy, then buildPolicySet. A document the generators call
 * valid but the pipeline rejects is reported with its diagnostics, since that is a bug too.
 */
import { formatDiagnostic } from '../../../src/policy/diagnostics.js';
import { InjectionPolicySchema } from '../../../src/policy/schema.js';
import { buildPolicySet, compilePolicy } from '../../../src/policy/compile.js';
import type { PolicySet } from '../../../src/engine/types.js';

/** Compiles `docs` or throws an Error listing every diagnostic. */
export function compileSet(docs: readonly unknown[]): PolicySet {
  const compiled = docs.map((doc, i) => {
    const parsed = InjectionPolicySchema.safeParse(doc);
    if (!parsed.success) throw new Error(`generated policy ${i} fails InjectionPolicySchema: ${parsed.error.message}`);
    const result = compilePolicy(parsed.data, { file: `generated-${i}.yaml`, line: 1 }, () => 1);
    if (!result.ok)
      throw new Error(`generated policy ${i} does not compile:\n${result.error.map(formatDiagnostic).join('\n')}`);
    return result.value;
  });
  const set = buildPolicySet(compiled);
  if (!set.ok) throw new Error(`generated policy set rejected:\n${set.error.map(formatDiagnostic).join('\n')}`);
  return set.value;
}
