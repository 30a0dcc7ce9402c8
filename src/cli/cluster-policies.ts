/**
 * The cluster's InjectionPolicy objects as one policy set, checked as files are (policy/objects.ts):
 * all valid, or every problem. `validate --from-cluster` and `test --from-cluster` read them.
 */
import type { PolicySet } from '../engine/types.js';
import { apiErrorLine, connect, listInjectionPolicies, type Cluster } from '../kube/cluster-read.js';
import type { Diagnostic, Result } from '../policy/diagnostics.js';
import { setFromObjects } from '../policy/objects.js';

/** The set, or why the cluster could not be read (a one-line message). */
export async function clusterPolicies(
  kubeconfig: string | undefined,
): Promise<{ loaded: Result<PolicySet, readonly Diagnostic[]> } | { error: string }> {
  let cluster: Cluster;
  try {
    cluster = connect(kubeconfig);
  } catch (error) {
    return { error: `cannot load the kubeconfig: ${error instanceof Error ? error.message : String(error)}` };
  }
  let objects: Record<string, unknown>[];
  try {
    objects = await listInjectionPolicies(cluster);
  } catch (error) {
    return { error: `cannot list InjectionPolicies: ${apiErrorLine(error, cluster.server)}` };
  }
  return { loaded: setFromObjects(objects) };
}
