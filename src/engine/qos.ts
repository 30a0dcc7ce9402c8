/**
 * A pod's QoS class, and the injected containers' cpu and memory fitted so that injecting does not
 * change it. The API server computes the class when it stores the pod (status.qosClass) from every
 * container, init containers included, and the kubelet uses it for eviction order, OOM scores and
 * the CPU manager's exclusive CPUs: one injected container with requests below its limits turns a
 * Guaranteed pod Burstable. The rule is the API server's (Kubernetes' "Pod Quality of Service
 * Classes"), per container and per resource, over cpu and memory only:
 * - a resource is BestEffort when its request and limit are both zero or absent, Guaranteed when
 *   they are equal and non-zero, Burstable otherwise (a missing request defaults to the limit);
 * - a container with no requests or limits at all is BestEffort; a container is the class of its
 *   two resources when they agree, else Burstable;
 * - the pod is the class of its containers when they all agree, else Burstable;
 * - a pod with pod-level resources (`spec.resources`) takes its class from those alone.
 */
import type { Container, Pod } from '../kube/wire.js';
import { copyWith, isRecord } from './equal.js';
import { canonicalMilli } from './quantity.js';
import { Reason } from './reasons.js';
import type { CompiledPolicy, RenderedParts } from './types.js';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Decided by pod-level resources: the containers, ours included, do not change it. */
export const POD_LEVEL = 'PodLevel';

const QOS_RESOURCES = ['cpu', 'memory'] as const;

type ResourceList = Record<string, unknown>;
const asList = (v: unknown): ResourceList => (isRecord(v) ? v : {});

/** A quantity's canonical text ('0m' for zero), or the text itself when it has none. */
function canonical(v: unknown): string | undefined {
  const text = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  return text === undefined ? undefined : (canonicalMilli(text) ?? text);
}

function isZero(v: string | undefined): boolean {
  return v === undefined || v === '0m';
}

function resourceClass(requests: ResourceList, limits: ResourceList, name: string): QosClass {
  const lim = canonical(limits[name]);
  const req = canonical(requests[name]) ?? lim;
  if (isZero(req) && isZero(lim)) return 'BestEffort';
  return req === lim ? 'Guaranteed' : 'Burstable';
}

function containerClass(c: Container | null | undefined): QosClass {
  const res = asList(c?.resources);
  const requests = asList(res['requests']);
  const limits = asList(res['limits']);
  if (Object.keys(requests).length === 0 && Object.keys(limits).length === 0) return 'BestEffort';
  const cpu = resourceClass(requests, limits, 'cpu');
  return cpu === resourceClass(requests, limits, 'memory') ? cpu : 'Burstable';
}

/** The pod's QoS class as the API server computes it, or POD_LEVEL. */
export function podQosClass(pod: Pod): QosClass | typeof POD_LEVEL {
  const spec = pod.spec;
  const podLevel = asList(spec?.resources);
  if (Object.keys(asList(podLevel['requests'])).length > 0 || Object.keys(asList(podLevel['limits'])).length > 0)
    return POD_LEVEL;
  let out: QosClass | undefined;
  for (const list of [spec?.initContainers, spec?.containers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list as readonly (Container | null)[]) {
      const cls = containerClass(c);
      if (cls === 'Burstable' || (out !== undefined && out !== cls)) return 'Burstable';
      out = cls;
    }
  }
  return out ?? 'BestEffort';
}

/** Why the policy cannot be injected without changing the pod's class. */
export interface QosConflict {
  readonly reason: Reason;
  readonly detail: string;
}

/** `c` with cpu and memory removed from its requests and limits (a BestEffort container). */
function bestEffort(c: Container): Container {
  const res = asList(c.resources);
  const resources: ResourceList = {};
  let changed = false;
  for (const [key, value] of Object.entries(res)) {
    if (key !== 'requests' && key !== 'limits') {
      resources[key] = value;
      continue;
    }
    const kept: ResourceList = {};
    for (const [k, v] of Object.entries(asList(value)))
      if ((QOS_RESOURCES as readonly string[]).includes(k)) changed = true;
      else kept[k] = v;
    if (Object.keys(kept).length > 0) resources[key] = kept;
  }
  if (!changed) return c;
  const out = copyWith(c, {}) as unknown as Record<string, unknown>;
  if (Object.keys(resources).length > 0) out['resources'] = resources;
  else delete out['resources'];
  return out as unknown as Container;
}

/** `c` with request = limit for cpu and memory, from the side `from` names; or what is missing. */
function guaranteed(c: Container, from: 'Limits' | 'Requests'): Container | string {
  const res = asList(c.resources);
  const requests = { ...asList(res['requests']) };
  const limits = { ...asList(res['limits']) };
  let changed = false;
  for (const name of QOS_RESOURCES) {
    const value = from === 'Limits' ? (limits[name] ?? requests[name]) : (requests[name] ?? limits[name]);
    const target = canonical(value);
    if (isZero(target)) return name;
    const request = requests[name] ?? limits[name]; // the API server defaults a missing request to the limit
    if (canonical(request) !== target || canonical(limits[name]) !== target) changed = true;
    requests[name] = value;
    limits[name] = value;
  }
  const resources = { ...res, requests, limits } as unknown as NonNullable<Container['resources']>;
  return changed ? copyWith(c, { resources }) : c;
}

/**
 * The rendered parts fitted to the pod's class, or a conflict, when the policy preserves that
 * class (`qos.preserve`, Guaranteed by default). A Guaranteed pod gets injected containers with
 * request = limit for cpu and memory (the limit, or with `qos.guaranteedFrom: Requests` the
 * request); a BestEffort pod gets them without cpu and memory. Otherwise (Burstable pods, pod-level
 * resources, a class the policy does not preserve) the resources stay as written.
 */
export function fitQos(
  policy: CompiledPolicy,
  parts: RenderedParts,
  cls: QosClass | typeof POD_LEVEL,
): RenderedParts | QosConflict {
  if (cls === 'Burstable' || cls === POD_LEVEL || !policy.qos.preserve.includes(cls)) return parts;
  const containers: Container[] = [];
  let changed = false;
  for (const c of parts.initContainers) {
    const fitted = cls === 'BestEffort' ? bestEffort(c) : guaranteed(c, policy.qos.guaranteedFrom);
    if (typeof fitted === 'string')
      return {
        reason: Reason.QosChange,
        detail: `the pod is Guaranteed and init container "${c.name}" sets no ${fitted} request or limit, so injecting it would make the pod Burstable`,
      };
    if (fitted !== c) changed = true;
    containers.push(fitted);
  }
  return changed ? { ...parts, initContainers: containers } : parts;
}
