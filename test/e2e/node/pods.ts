/**
 * What the node scenarios repeat: pods that tolerate the node's taint, waits on what the kubelet
 * reports (bounded, with the pod's state in the timeout message), container logs through the API
 * server, `kubectl get pod -w` as a user watches it, and test servers on the node's address.
 */
import { spawn } from 'node:child_process';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server } from 'node:net';
import type { V1Container, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { issueCertificate } from '../../../src/server/pki.js';
import type { ControlPlane } from '../harness/controlplane.js';
import { freePort, waitFor } from '../harness/net.js';
import { podManifest, type Plain } from '../harness/index.js';
import { BUSYBOX_IMAGE } from './images.js';
import { NODE_IP, NODE_TAINT } from './node.js';

/** The restricted securityContext of the shipped policies, for the test pods' own containers. */
export const RESTRICTED = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/** A restricted busybox container running `script`. */
export function shellContainer(
  name: string,
  script: string,
  extra: Partial<Plain<V1Container>> = {},
): Plain<V1Container> {
  return {
    name,
    image: BUSYBOX_IMAGE,
    command: ['sh', '-c', script],
    securityContext: { ...RESTRICTED, capabilities: { drop: ['ALL'] } },
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } },
    ...extra,
  };
}

/** podManifest() for the node: tolerates its taint, stops fast. */
export function nodePod(
  name: string,
  extra: Parameters<typeof podManifest>[1] & { hostNetwork?: boolean } = {},
): Plain<V1Pod> {
  const { hostNetwork, ...rest } = extra;
  const pod = podManifest(name, rest);
  return {
    ...pod,
    spec: {
      ...pod.spec,
      containers: pod.spec?.containers ?? [],
      ...(hostNetwork === true ? { hostNetwork: true } : {}),
      tolerations: [{ key: NODE_TAINT, operator: 'Exists', effect: 'NoSchedule' }],
      terminationGracePeriodSeconds: 1,
    },
  };
}

/** One line per container of the pod: what the kubelet reports, for failure messages. */
export function describeStatus(pod: V1Pod): string {
  const line = (s: V1ContainerStatus): string => {
    const state = s.state?.terminated
      ? `terminated ${String(s.state.terminated.exitCode)} (${s.state.terminated.reason ?? ''})`
      : s.state?.running
        ? 'running'
        : `waiting (${s.state?.waiting?.reason ?? ''} ${s.state?.waiting?.message ?? ''})`;
    return `  ${s.name}: ${state}, restarts ${String(s.restartCount)}`;
  };
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return [`phase ${pod.status?.phase ?? '?'}`, ...statuses.map(line)].join('\n');
}

/** Polls the pod until `done(pod)`; the timeout names `what` and the kubelet's last report. */
export async function waitForPod(
  cp: ControlPlane,
  namespace: string,
  name: string,
  what: string,
  done: (pod: V1Pod) => boolean,
  timeoutMs = 90_000,
): Promise<V1Pod> {
  let last: V1Pod | undefined;
  try {
    return await waitFor(
      `pod ${namespace}/${name}: ${what}`,
      async () => {
        last = await cp.coreApi.readNamespacedPod({ name, namespace });
        return done(last) ? last : undefined;
      },
      timeoutMs,
      500,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${last === undefined ? 'never read' : describeStatus(last)}`, {
      cause: error,
    });
  }
}

/** The status of container `name` (init, sidecar or app). */
export function statusOf(pod: V1Pod, name: string): V1ContainerStatus {
  const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const status = all.find((s) => s.name === name);
  if (status === undefined) throw new Error(`no status for container ${name}:\n${describeStatus(pod)}`);
  return status;
}

/** A pod whose phase is Running with every app container ready. */
export function running(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.containerStatuses ?? []).every((s) => s.ready);
}

/** `kubectl logs` of one container (through the API server and the kubelet); `previous`: of its last terminated run. */
export async function logs(
  cp: ControlPlane,
  namespace: string,
  pod: string,
  container: string,
  previous = false,
): Promise<string> {
  const out = await cp.kubectl(['logs', '-n', namespace, pod, '-c', container, ...(previous ? ['--previous'] : [])]);
  if (out.code !== 0) throw new Error(`kubectl logs ${pod} -c ${container}: ${out.stderr}`);
  return out.stdout;
}

/** Epoch milliseconds of a status timestamp (the kubelet reports whole seconds). */
export function ms(time: Date | string | undefined): number {
  if (time === undefined) throw new Error('no timestamp');
  return new Date(time).getTime();
}

/**
 * `kubectl get pod NAME -w`, as a user watches it: returns a function that stops the watch and
 * gives the STATUS column's successive values (duplicates collapsed).
 */
export function watchStatus(cp: ControlPlane, namespace: string, name: string): () => Promise<string[]> {
  const child = spawn(
    cp.binaries.kubectl,
    [`--kubeconfig=${cp.kubeconfigPath}`, 'get', 'pod', name, '-n', namespace, '-w', '--no-headers'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      resolve();
    }),
  );
  return async () => {
    child.kill('SIGTERM');
    await closed;
    const seen: string[] = [];
    for (const line of out.split('\n')) {
      const status = line.trim().split(/\s+/)[2];
      if (status !== undefined && seen.at(-1) !== status) seen.push(status);
    }
    return seen;
  };
}

/** A TCP port on the node's address with nothing listening yet, and a way to start listening. */
export async function closedPort(): Promise<{ port: number; open: () => Promise<Server> }> {
  const port = await freePort();
  return {
    port,
    open: () =>
      new Promise((resolve, reject) => {
        const server = createTcpServer((socket) => socket.end());
        server.once('error', reject);
        server.listen(port, NODE_IP, () => {
          resolve(server);
        });
      }),
  };
}

/**
 * An HTTPS server on the node's address, with a certificate for NODE_IP from the run's CA (which the
 * curl stand-in trusts as the real image trusts public CAs). `routes` maps a path to a response.
 */
export async function httpsServer(
  cp: ControlPlane,
  routes: Readonly<Record<string, string>>,
): Promise<{ url: string; requests: { method: string; path: string; body: string }[]; close: () => Promise<void> }> {
  const cert = await issueCertificate(cp.pki.ca, {
    commonName: 'e2e-node-files',
    usage: 'server',
    hosts: [NODE_IP],
    days: 1,
  });
  const requests: { method: string; path: string; body: string }[] = [];
  const server = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      const content = routes[req.url ?? ''];
      res.writeHead(content === undefined ? 404 : 200).end(content ?? 'not found');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, NODE_IP, resolve));
  return {
    url: `https://${NODE_IP}:${String(port)}`,
    requests,
    close: () =>
      new Promise((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}
