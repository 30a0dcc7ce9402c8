/**
 * Realistic Pods and AdmissionReviews for the bench: what a ReplicaSet controller sends for a
 * Deployment's pod (ownerReferences, managedFields, projected service-account token volume, several
 * containers with env, probes, resources and securityContext), grown to a target byte size.
 */
import type { Pod } from '../../src/kube/wire.js';
import { podCreateReview } from '../../fixtures/review.js';

/** The namespace every bench request is made in; the matching policies select it. */
export const BENCH_NAMESPACE = 'bench';
/** Namespace labels given to the server (--namespace-labels) and the engine for namespaceSelector. */
export const BENCH_NAMESPACE_LABELS: Readonly<Record<string, string>> = { tier: 'backend', env: 'bench' };
/** Pod labels of every bench pod (a podSelector-matching policy keys on app). */
export const BENCH_POD_LABELS: Readonly<Record<string, string>> = {
  app: 'bench-app',
  tier: 'web',
  'app.kubernetes.io/name': 'bench-app',
  'app.kubernetes.io/part-of': 'checkout',
  'pod-template-hash': '7d9c8b5f4',
};

const TIME = '2026-11-25T12:00:00Z';

function container(name: string, envCount: number, index: number, lean: boolean): Record<string, unknown> {
  const env = Array.from({ length: envCount }, (_, i) => ({
    name: `${name.toUpperCase().replace(/-/g, '_')}_SETTING_${i}`,
    value: `value-${index}-${i}-${'x'.repeat(12)}`,
  }));
  const full: Record<string, unknown> = {
    name,
    image: `registry.example.com/checkout/${name}:1.${index}.0`,
    imagePullPolicy: 'IfNotPresent',
    args: ['--listen=:8080', `--config=/etc/${name}/config.yaml`, '--log-format=json'],
    ports: [{ name: `http-${index}`, containerPort: 8080 + index, protocol: 'TCP' }],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
      ...env,
    ],
    resources: { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
    livenessProbe: {
      httpGet: { path: '/healthz', port: 8080 + index, scheme: 'HTTP' },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    },
    ...(index === 0
      ? {
          readinessProbe: {
            httpGet: { path: '/readyz', port: 8080, scheme: 'HTTP' },
            periodSeconds: 5,
            timeoutSeconds: 1,
            successThreshold: 1,
            failureThreshold: 3,
          },
        }
      : {}),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 10001,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: 'config', mountPath: `/etc/${name}`, readOnly: true },
      { name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
  // The small (5 KB) review: a single plain container, as a bare Job or batch pod has.
  if (!lean) return full;
  const lean1 = { ...full };
  delete lean1['livenessProbe'];
  delete lean1['readinessProbe'];
  delete lean1['args'];
  delete lean1['securityContext'];
  delete lean1['ports'];
  return lean1;
}

/** FieldsV1 for an object, as the API server's managedFields record them (keys of maps, k:{} of lists). */
function fieldsV1(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const item of value) {
      const name = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)['name'] : undefined;
      const key = typeof name === 'string' ? `k:{"name":"${name}"}` : `v:${JSON.stringify(item)}`;
      out[key] = { '.': {}, ...(fieldsV1(item) as object) };
    }
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[`f:${k}`] = fieldsV1(v);
    return out;
  }
  return {};
}

function podOf(containers: number, envPerContainer: number): Pod {
  const names = ['app', 'sidecar-proxy', 'log-shipper', 'metrics-agent', 'cache', 'worker', 'auth', 'tracer'];
  const spec = {
    containers: Array.from({ length: containers }, (_, i) =>
      container(names[i % names.length]! + (i >= names.length ? `-${i}` : ''), envPerContainer, i, containers === 1),
    ),
    volumes: [
      { name: 'config', configMap: { name: 'checkout-config', defaultMode: 420 } },
      {
        name: 'kube-api-access-x7k2p',
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            {
              downwardAPI: {
                items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
              },
            },
          ],
        },
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'checkout',
    serviceAccount: 'checkout',
    securityContext: { runAsNonRoot: true, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    schedulerName: 'default-scheduler',
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  };
  const metadata = {
    generateName: 'checkout-7d9c8b5f4-',
    namespace: BENCH_NAMESPACE,
    labels: { ...BENCH_POD_LABELS },
    annotations: { 'kubectl.kubernetes.io/restartedAt': TIME, 'prometheus.io/scrape': 'true' },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'checkout-7d9c8b5f4',
        uid: '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
  const managedFields = [
    {
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion: 'v1',
      time: TIME,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': fieldsV1({
          generateName: 1,
          labels: metadata.labels,
          annotations: metadata.annotations,
          ownerReferences: {},
        }),
        'f:spec': fieldsV1(spec),
      },
    },
  ];
  // Built as plain JSON (what the API server sends), typed at the edge.
  const pod: unknown = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...metadata, managedFields },
    spec,
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
  return pod as Pod;
}

/** The AdmissionReview a kube-apiserver sends for CREATE of `pod`, with the given uid. */
export function admissionReview(pod: Pod, uid: string): Record<string, unknown> {
  return podCreateReview(pod, {
    uid,
    namespace: BENCH_NAMESPACE,
    userInfo: {
      username: 'system:serviceaccount:kube-system:replicaset-controller',
      uid: '0e5c7a51-2b1d-4c33-9f62-0d5d2f0a1b77',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
    },
  });
}

const SIZE_UID = '00000000-0000-4000-8000-000000000000';

/**
 * A pod whose AdmissionReview is at least `targetBytes` long (and within about one env entry of it):
 * the container count grows with the size, then env entries fill the rest.
 */
export function podForReviewSize(targetBytes: number): Pod {
  const containers = Math.max(1, Math.min(8, Math.floor(targetBytes / 4500)));
  let env = 0;
  let pod = podOf(containers, env);
  while (JSON.stringify(admissionReview(pod, SIZE_UID)).length < targetBytes) {
    env += 1;
    pod = podOf(containers, env);
    if (env > 500) throw new Error(`cannot grow a pod to ${targetBytes} bytes`);
  }
  return pod;
}

/** A pool of request bodies for one pod, each with its own uid (the API server never repeats one). */
export interface ReviewPool {
  readonly pod: Pod;
  readonly bodies: readonly string[];
  readonly uids: readonly string[];
  /** Size of one body in bytes. */
  readonly bytes: number;
}

/** `count` bodies for `pod` with distinct, deterministic uids. */
export function reviewPool(pod: Pod, count: number, seed: number): ReviewPool {
  const template = JSON.stringify(admissionReview(pod, SIZE_UID));
  const uids: string[] = [];
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    const hex = (seed * 1_000_000 + i).toString(16).padStart(12, '0');
    const uid = `b3c4e5f6-0000-4000-8000-${hex}`;
    uids.push(uid);
    bodies.push(template.replace(SIZE_UID, uid));
  }
  return { pod, bodies, uids, bytes: Buffer.byteLength(bodies[0]!) };
}
