/**
 * Pod templates inside workload objects, for the offline CLI (inject, test). Pure functions: find
 * the pod template(s) of an object as Pods the engine can take, and put mutated ones back, without
 * touching any other field or changing key order.
 */
import type { KubeObject, Pod } from './wire.js';
import { isRecord } from '../engine/equal.js';

/** Where each kind keeps its pod template, as a path of object keys. A Pod is its own template. */
export const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  // Argo Rollouts and OpenShift DeploymentConfigs keep their template where a Deployment does.
  Rollout: ['spec', 'template'],
  DeploymentConfig: ['spec', 'template'],
};

/** Where an unknown kind most likely keeps a pod template: a Deployment-like or a CronJob-like spot. */
const LIKELY_TEMPLATES: readonly (readonly string[])[] = [
  ['spec', 'template'],
  ['spec', 'jobTemplate', 'spec', 'template'],
];

/**
 * The path of what looks like a pod template (a `spec.containers` list) in an object of a kind we
 * do not know, or undefined. Such objects pass through unchanged; the CLI says so.
 */
export function unknownPodTemplate(obj: KubeObject): readonly string[] | undefined {
  if (obj.kind === undefined || TEMPLATE_PATHS[obj.kind] !== undefined) return undefined;
  return LIKELY_TEMPLATES.find((path) => Array.isArray(getAt(getAt(obj, path), ['spec', 'containers'])));
}

/**
 * Built-in kinds that live in a namespace, besides those with a pod template: what `inject -n`
 * writes the namespace into. Cluster-scoped kinds (Namespace, ClusterRole…) and custom kinds, whose
 * scope only their CRD knows, are left as they are.
 */
export const NAMESPACED_KINDS: ReadonlySet<string> = new Set([
  ...Object.keys(TEMPLATE_PATHS),
  'PodTemplate',
  'ConfigMap',
  'Secret',
  'Service',
  'ServiceAccount',
  'Endpoints',
  'EndpointSlice',
  'PersistentVolumeClaim',
  'Role',
  'RoleBinding',
  'Ingress',
  'NetworkPolicy',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'LimitRange',
  'ResourceQuota',
  'Lease',
  'ControllerRevision',
]);

/** One pod template found in an object: its path and the Pod the engine sees. */
export interface PodTemplateSlot {
  /** Object keys from the top of the object to the template ([] for a Pod). */
  readonly path: readonly string[];
  /** The template as a Pod: the object itself for a Pod, else apiVersion v1, kind Pod, metadata + spec of the template. */
  readonly pod: Pod;
}

function getAt(obj: unknown, path: readonly string[]): unknown {
  let cursor: unknown = obj;
  for (const key of path) {
    if (!isRecord(cursor)) return undefined;
    cursor = cursor[key];
  }
  return cursor;
}

/** True when the object is a `List` (kind List or any *List kind) with an items array. */
export function isList(obj: KubeObject): boolean {
  return typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj['items']);
}

/**
 * Every object of `docs` that is not a List, List items in place of their List (at any depth),
 * each with its index among its siblings (the document's, or the item's in its List).
 */
export function* objectsIn(docs: readonly KubeObject[]): Generator<[KubeObject, number]> {
  for (const [index, obj] of docs.entries())
    if (isList(obj)) yield* objectsIn(obj['items'] as KubeObject[]);
    else yield [obj, index];
}

/**
 * The pod template of an object of a known workload kind, or undefined when the kind carries none
 * (ConfigMap, Service…) or the template is missing. The returned Pod shares no mutable state
 * with callers that do not mutate it; the engine never mutates its input.
 */
export function findPodTemplate(obj: KubeObject): PodTemplateSlot | undefined {
  const kind = obj.kind;
  if (kind === undefined) return undefined;
  const path = TEMPLATE_PATHS[kind];
  if (path === undefined) return undefined;
  if (path.length === 0) return { path, pod: obj };
  const template = getAt(obj, path);
  if (!isRecord(template)) return undefined;
  // A template has no apiVersion/kind of its own; the engine (and CEL's `object`) expects a Pod.
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod' };
  if (template['metadata'] !== undefined) pod.metadata = template['metadata'] as NonNullable<Pod['metadata']>;
  if (template['spec'] !== undefined) pod.spec = template['spec'] as NonNullable<Pod['spec']>;
  return { path, pod };
}

function setAt(obj: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return value as Record<string, unknown>;
  const child = obj[head];
  return { ...obj, [head]: setAt(isRecord(child) ? child : {}, rest, value) };
}

/**
 * A copy of `obj` whose pod template at `slot.path` carries the metadata and spec of `mutated`.
 * Keys keep their order; a template without metadata gets it first, as kubectl writes it.
 */
export function withPodTemplate(obj: KubeObject, path: readonly string[], mutated: Pod): KubeObject {
  if (path.length === 0) return mutated as KubeObject;
  const template = getAt(obj, path);
  const base = isRecord(template) ? template : {};
  const next: Record<string, unknown> =
    'metadata' in base || mutated.metadata === undefined ? { ...base } : { metadata: mutated.metadata, ...base };
  if (mutated.metadata !== undefined) next['metadata'] = mutated.metadata;
  if (mutated.spec !== undefined) next['spec'] = mutated.spec;
  return setAt(obj, path, next);
}

/** JSON Pointer prefix (RFC 6901) of a template path, e.g. /spec/jobTemplate/spec/template. */
export function pointerOf(path: readonly (string | number)[]): string {
  return path.map((key) => '/' + String(key).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** `Kind/name` for messages; generateName pods show as `Pod/web-` and nameless objects as `Kind/#index`. */
export function describeObject(obj: KubeObject, index: number): string {
  const kind = obj.kind ?? 'Object';
  const name = obj.metadata?.name ?? obj.metadata?.generateName ?? `#${index + 1}`;
  return `${kind}/${name}`;
}
