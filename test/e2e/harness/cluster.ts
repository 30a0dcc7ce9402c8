/** Namespaces, pods and API errors: the small operations every scenario repeats. */
import { randomBytes } from 'node:crypto';
import type { V1Container, V1Namespace, V1Pod } from '@kubernetes/client-node';
import type { ControlPlane } from './controlplane.js';
import { toKube, type Plain } from './plain.js';
import { waitFor } from './net.js';

/** A unique DNS-1123 name with a readable prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

/**
 * Creates a uniquely named namespace with `labels` and waits for its "default" ServiceAccount (the
 * ServiceAccount admission plugin refuses pods until the controller manager has created it).
 */
export async function createNamespace(
  cp: ControlPlane,
  prefix: string,
  labels: Readonly<Record<string, string>>,
): Promise<string> {
  const name = uniqueName(`e2e-${prefix}`);
  await cp.coreApi.createNamespace({ body: toKube<V1Namespace>({ metadata: { name, labels: { ...labels } } }) });
  await waitFor(
    `ServiceAccount ${name}/default`,
    async () => {
      await cp.coreApi.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return true;
    },
    30_000,
    200,
  );
  return name;
}

/** A minimal restricted-compliant app container. */
export function appContainer(name = 'app'): Plain<V1Container> {
  return {
    name,
    image: 'registry.k8s.io/pause:3.10',
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '32Mi' } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

/** A pod manifest with one app container; `extra` is merged into metadata and spec. */
export function podManifest(
  name: string,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    initContainers?: Plain<V1Container>[];
    containers?: Plain<V1Container>[];
  } = {},
): Plain<V1Pod> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      ...(extra.labels ? { labels: extra.labels } : {}),
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
    },
    spec: {
      ...(extra.initContainers ? { initContainers: extra.initContainers } : {}),
      containers: extra.containers ?? [appContainer()],
    },
  };
}

/** Creates a pod and returns it as stored (re-read from the API server, not the create response). */
export async function createPod(cp: ControlPlane, namespace: string, pod: Plain<V1Pod>): Promise<V1Pod> {
  const created = await cp.coreApi.createNamespacedPod({ namespace, body: toKube(pod) });
  const name = created.metadata?.name ?? '';
  return cp.coreApi.readNamespacedPod({ name, namespace });
}

/** Creates a pod with dryRun=All (nothing stored); returns the object the API server would store. */
export function dryRunPod(cp: ControlPlane, namespace: string, pod: Plain<V1Pod>): Promise<V1Pod> {
  return cp.coreApi.createNamespacedPod({ namespace, body: toKube(pod), dryRun: 'All' });
}

/** Init container names, in order. */
export function initNames(pod: V1Pod): string[] {
  return (pod.spec?.initContainers ?? []).map((c) => c.name);
}

/** The status message of a failed API call (the text kubectl would print), or the error's message. */
export function apiErrorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'body' in error) {
    const { body } = error;
    const parsed: unknown = typeof body === 'string' ? safeJson(body) : body;
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed) return String(parsed.message);
    if (typeof body === 'string') return body;
  }
  return error instanceof Error ? error.message : String(error);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Runs `create` and returns the API server's refusal message; throws if it was admitted. */
export async function expectRefused(create: () => Promise<unknown>): Promise<string> {
  try {
    await create();
  } catch (error) {
    return apiErrorMessage(error);
  }
  throw new Error('expected the API server to refuse the request, but it was admitted');
}
