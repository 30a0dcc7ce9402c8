// Reduces a rendered object to what must agree between the chart and the overlays: labels that only
// one tool adds (helm.sh/chart, app.kubernetes.io/instance, managed-by…), Helm's checksum annotation
// and kustomize's ConfigMap name hash are removed; everything else is kept, so any other difference
// (a securityContext field, a webhook rule, a probe) fails the comparison.
import type { KubeObject } from './render.js';

const TOOL_LABELS = new Set([
  'app.kubernetes.io/instance',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/version',
  'app.kubernetes.io/part-of',
  'helm.sh/chart',
]);
const HASHED_CONFIGMAP = /^(init-injector-policies)-[a-z0-9]{10}$/;

function strip(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return value.map((v) => strip(v, ''));
  if (value === null || typeof value !== 'object') {
    return typeof value === 'string' && key === 'name' ? value.replace(HASHED_CONFIGMAP, '$1') : value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (TOOL_LABELS.has(k) || k === 'checksum/policies') continue;
    out[k] = strip(v, k);
  }
  // An annotations/labels map left empty by the stripping is the same as none.
  const isEmptyMap = ([k, m]: [string, unknown]) =>
    (k === 'labels' || k === 'annotations') && m !== null && typeof m === 'object' && Object.keys(m).length === 0;
  return Object.fromEntries(Object.entries(out).filter((e) => !isEmptyMap(e)));
}

/** The object without tool-specific labels, annotations and name hashes. */
export function normalize(o: KubeObject): KubeObject {
  return strip(o, '') as KubeObject;
}

/** "Kind/namespace/name", for keyed comparison and readable failures. */
export function objectKey(o: KubeObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name.replace(HASHED_CONFIGMAP, '$1')}`;
}
