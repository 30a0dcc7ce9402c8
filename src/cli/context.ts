/**
 * The MutationInput pieces the webhook gets from the cluster, built offline for the CLI: the
 * namespace (name, labels, object for CEL) and a synthetic admission request. `inject`, `test`
 * and the golden tests share this, so an offline preview sees what the webhook would see.
 */
import type { Labels, NamespaceInfo, RequestInfo } from '../engine/types.js';
import { labelProblem } from '../kube/namespaces.js';

/** Label every namespace carries since Kubernetes 1.22 (set by the API server, immutable). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Namespace info for the engine: the given labels plus kubernetes.io/metadata.name, as the API server sets it. */
export function namespaceInfo(name: string, labels: Labels = {}): NamespaceInfo {
  const all: Labels = { [NAMESPACE_NAME_LABEL]: name, ...labels };
  return { name, labels: all, object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: all } } };
}

/** The admission request a CREATE of this pod would carry (CEL's `request`), without a user or uid. */
export function syntheticRequest(namespace: string, podName: string | undefined): RequestInfo {
  return {
    uid: '',
    operation: 'CREATE',
    dryRun: true,
    namespace,
    ...(podName === undefined ? {} : { name: podName }),
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    userInfo: { username: 'init-injector-cli' },
  };
}

/**
 * Parses `k=v,k2=v2` (the --namespace-labels flag). Returns the labels or a message naming the
 * bad item.
 */
export function parseLabelList(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  for (const item of text.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) return { error: `--namespace-labels: "${trimmed}" is not key=value (expected k=v,k2=v2)` };
    const key = trimmed.slice(0, eq);
    const value = trimmed.slice(eq + 1);
    const problem = labelProblem(key, value);
    if (problem) return { error: `--namespace-labels: "${trimmed}": ${problem}` };
    labels[key] = value;
  }
  return { labels };
}
