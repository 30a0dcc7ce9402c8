/**
 * The cluster's InjectionPolicy objects as one policy set, checked as files are (policy/objects.ts):
 * all valid, or every problem. `validate --from-cluster` and `test --from-cluster` read them.
 */
import type { PolicySet } from '../engine/types.js';
import { readInjectionPolicies } from '../kube/cluster-read.js';
import type { Diagnostic, Result } from '../policy/diagnostics.js';
import { setFromObjects } from '../policy/objects.js';

/** The set, or why the cluster could not be read (a one-line message). */
export async function clusterPolicies(
  kubeconfig: string | undefined,
): Promise<{ loaded: Result<PolicySet, readonly Diagnostic[]> } | { error: string }> {
  const objects = await readInjectionPolicies(kubeconfig);
  return Array.isArray(objects) ? { loaded: setFromObjects(objects) } : objects;
}
