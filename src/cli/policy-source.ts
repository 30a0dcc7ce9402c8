/**
 * Where inject, explain and status read the policies from: directories and files as everywhere, the
 * ConfigMap the webhook mounts (`-p configmap/NAMESPACE/NAME`), or the cluster's InjectionPolicy
 * objects (`-p injectionpolicies.init-injector.io`), read with the kubeconfig so that a preview or a
 * report uses exactly what the cluster holds. The ConfigMap's *.yaml/*.yml keys are loaded as files
 * (problems name them configmap/NAMESPACE/NAME/KEY:LINE); the objects one file each (problems name
 * them injectionpolicy/NAME, as `validate --from-cluster` does). Both are held in memory and
 * checked as files are; nothing is written to disk.
 */
import type { PolicySet } from '../engine/types.js';
import { apiErrorLine, POLICY_RESOURCE_NAME, readInjectionPolicies, tryConnect } from '../kube/cluster-read.js';
import type { Diagnostic, Result } from '../policy/diagnostics.js';
import { loadPolicies, type MemorySource, type PolicyInput } from '../policy/load.js';
import { objectFile } from '../policy/objects.js';

const PREFIX = 'configmap/';
/** The -p value naming the cluster's InjectionPolicy objects (kubectl's full resource name). */
export const CLUSTER_OBJECTS = POLICY_RESOURCE_NAME;

/** True for a -p value naming a ConfigMap. */
export const isConfigMapSource = (p: string): boolean => p.startsWith(PREFIX);

/** The cluster's InjectionPolicy objects, one file each named injectionpolicy/NAME, in name order. */
async function clusterObjects(kubeconfig: string | undefined): Promise<MemorySource | string> {
  const items = await readInjectionPolicies(kubeconfig);
  if (!Array.isArray(items)) return items.error;
  const files = items.map(objectFile).sort((a, b) => a.file.localeCompare(b.file));
  return { source: CLUSTER_OBJECTS, files, emptyHint: ' (the cluster has no InjectionPolicy objects)' };
}

/** A ConfigMap's *.yaml and *.yml keys, named configmap/NAMESPACE/NAME/KEY, as the webhook mounts them. */
async function configMap(p: string, kubeconfig: string | undefined): Promise<MemorySource | string> {
  const [namespace, name, ...rest] = p.slice(PREFIX.length).split('/');
  if (namespace === undefined || namespace === '' || name === undefined || name === '' || rest.length > 0)
    return `expected ${PREFIX}NAMESPACE/NAME`;
  const cluster = tryConnect(kubeconfig);
  if ('error' in cluster) return cluster.error;
  let data: Record<string, string>;
  try {
    data = (await cluster.core.readNamespacedConfigMap({ name, namespace })).data ?? {};
  } catch (error) {
    return `cannot read the ConfigMap: ${apiErrorLine(error, cluster.server)}`;
  }
  // As in a mounted directory: the keys a policy directory would hold, in name order.
  const files = Object.keys(data)
    .filter((key) => /\.ya?ml$/.test(key) && !key.startsWith('.'))
    .sort()
    .map((key) => ({ file: `${p}/${key}`, text: data[key] ?? '', lines: true }));
  return { source: p, files, emptyHint: ' (expected *.yaml or *.yml keys)' };
}

/** Loads the policies of `paths`, reading ConfigMap and cluster sources into memory first. */
export async function loadPolicySources(
  paths: readonly string[],
  kubeconfig: string | undefined,
): Promise<Result<PolicySet, readonly Diagnostic[]>> {
  const inputs: PolicyInput[] = [];
  for (const p of paths) {
    if (p !== CLUSTER_OBJECTS && !isConfigMapSource(p)) {
      inputs.push(p);
      continue;
    }
    const read = p === CLUSTER_OBJECTS ? await clusterObjects(kubeconfig) : await configMap(p, kubeconfig);
    if (typeof read === 'string') return fail(p, read);
    inputs.push(read);
  }
  return loadPolicies(inputs);
}

function fail(file: string, message: string): Result<PolicySet, readonly Diagnostic[]> {
  return { ok: false, error: [{ file, line: 0, path: '', message }] };
}
