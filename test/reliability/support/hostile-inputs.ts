/**
 * The policies and request bodies of the hostile-input suite, shared by the child-process run
 * (hostile-server.test.ts) and the in-process prototype-pollution run (pollution.test.ts).
 */
import { review } from './server.js';

/** Policies served during the hostile suite: parameters, mounts into every container, CEL, and
 * parameters named like Object.prototype members. */
export const HOSTILE_POLICIES: Record<string, string> = {
  'net-check.yaml': `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata: {name: net-check}
spec:
  parameters:
    - {name: target, annotation: example.com/target, default: "1.1.1.1", pattern: '^[A-Za-z0-9.:-]{1,253}$'}
  match:
    conditions: [{name: labelled, expression: "!has(object.metadata.labels) || size(object.metadata.labels) >= 0"}]
  initContainers:
    - name: net-check
      image: busybox:1.36
      env: [{name: TARGET, value: "{{ params.target }}"}]
  volumes: [{name: shared-cfg, emptyDir: {}}]
  volumeMounts: {containers: ["*"], mounts: [{name: shared-cfg, mountPath: /etc/shared-cfg}]}
`,
  'proto-params.yaml': `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata: {name: proto-params}
spec:
  match:
    podSelector: {matchExpressions: [{key: constructor, operator: DoesNotExist}]}
  parameters:
    - {name: __proto__, annotation: example.com/proto, default: p1}
    - {name: constructor, default: c1}
    - {name: prototype, annotation: example.com/prototype, default: x1}
  initContainers:
    - name: proto-check
      image: busybox:1.36
      args: ["{{ params.__proto__ }}", "{{ params.constructor }}", "{{ params.prototype }}"]
`,
};

/** A small valid pod in team-a. */
export function smallPod(
  extra: { labels?: unknown; annotations?: unknown; containers?: unknown[] } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-0',
      namespace: 'team-a',
      ...(extra.labels !== undefined ? { labels: extra.labels } : {}),
      ...(extra.annotations !== undefined ? { annotations: extra.annotations } : {}),
    },
    spec: { containers: extra.containers ?? [{ name: 'app', image: 'nginx:1.27' }] },
  };
}

/** JSON text of a review; `raw` replaces the pod with literal JSON (for `__proto__` keys, which
 * an object literal would turn into a prototype change instead of a key). */
export function reviewText(pod: unknown, raw?: string): string {
  const text = JSON.stringify(review(raw === undefined ? pod : 'RAW_POD'));
  return raw === undefined ? text : text.replace('"RAW_POD"', raw);
}

/** Pods whose labels, annotations and parameter annotations use prototype-member keys. */
export const PROTO_PODS: Record<string, string> = {
  'labels with __proto__, constructor and prototype keys':
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"team-a","labels":{"__proto__":"polluted","constructor":"x","prototype":"x","constructor.prototype":"x"}},"spec":{"containers":[{"name":"app","image":"nginx"}]}}',
  'annotations with __proto__, constructor and prototype keys':
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"team-a","annotations":{"__proto__":"polluted","constructor":"x","prototype":"y","init-injector.io/request":"__proto__,constructor"}},"spec":{"containers":[{"name":"app","image":"nginx"}]}}',
  'parameter annotations of parameters named __proto__, constructor and prototype':
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"team-a","annotations":{"example.com/proto":"pp","init-injector.io/proto-params.constructor":"cc","example.com/prototype":"xx"}},"spec":{"containers":[{"name":"app","image":"nginx"}]}}',
  'a pod, spec and container named by prototype keys':
    '{"__proto__":{"polluted":"yes"},"apiVersion":"v1","kind":"Pod","metadata":{"__proto__":{"polluted":"yes"},"name":"p","namespace":"team-a"},"spec":{"__proto__":{"polluted":"yes"},"containers":[{"name":"app","image":"nginx","__proto__":{"polluted":"yes"},"env":[{"name":"__proto__","value":"x"}]}],"volumes":[{"name":"constructor","emptyDir":{}}]}}',
};

/** Prototype keys whose values have the wrong type (objects where strings belong): a 400. */
export const PROTO_WRONG_TYPE: Record<string, string> = {
  'labels with an object under __proto__':
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"team-a","labels":{"__proto__":{"polluted":"yes"}}},"spec":{"containers":[{"name":"app","image":"nginx"}]}}',
  'annotations with an object under __proto__':
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"team-a","annotations":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}},"spec":{"containers":[{"name":"app","image":"nginx"}]}}',
};

/** A review whose envelope itself carries prototype keys. */
export const PROTO_ENVELOPE =
  '{"__proto__":{"polluted":"yes"},"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"uid":"u","namespace":"team-a","operation":"CREATE","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"app"}]}}}}';

/** Depth-`n` nested arrays, as text (JSON.stringify would overflow the stack building it). */
export function nested(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}
