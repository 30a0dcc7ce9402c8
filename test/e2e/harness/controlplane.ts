/**
 * One real control plane on loopback: etcd, kube-apiserver and kube-controller-manager built from
 * the Kubernetes Go modules, a generated PKI, and an admin kubeconfig. Started once per test run.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppsV1Api, AdmissionregistrationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ensureBinaries, kubernetesVersion, type BinaryPaths } from './build.js';
import { writeKubeconfig } from './kubeconfig.js';
import { freePort, GiveUp, httpsGet, waitFor } from './net.js';
import { writeControlPlanePki, type ControlPlanePki } from './pki.js';
import { proxyEnv, startServiceRouter, type ServiceRouter } from './servicerouter.js';
import {
  registerTempDir,
  removeTempDir,
  runCommand,
  startChild,
  stopChild,
  type Child,
  type CommandResult,
} from './proc.js';

/** Result of a kubectl invocation. */
export type KubectlResult = CommandResult;

/** A running control plane and the clients to talk to it. */
export interface ControlPlane {
  /** Kubernetes version the binaries were built at (e.g. v1.37.2). */
  readonly version: string;
  /** Work dir: PKI, kubeconfig, etcd data, logs/ (removed at stop unless INIT_INJECTOR_E2E_KEEP=1). */
  readonly dir: string;
  readonly serverUrl: string;
  readonly kubeconfigPath: string;
  readonly pki: ControlPlanePki;
  readonly binaries: BinaryPaths;
  readonly kubeConfig: KubeConfig;
  readonly coreApi: CoreV1Api;
  readonly appsApi: AppsV1Api;
  readonly admissionApi: AdmissionregistrationV1Api;
  /** Where the API server's dials to Service ClusterIPs go (Service-referenced webhooks). */
  readonly serviceRouter: ServiceRouter;
  /** Milliseconds from the first spawn to a ready API server with a running controller manager. */
  readonly startMs: number;
  /** Runs the kubectl built from the same module against this API server. */
  kubectl(args: readonly string[], stdin?: string): Promise<KubectlResult>;
  /** Stops every process (process groups) and removes the work dir. Idempotent. */
  stop(): Promise<void>;
}

/** Kube-controller-manager controllers the scenarios need (Deployments -> ReplicaSets -> Pods, SAs, quota, nodes). */
export const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'serviceaccount-controller',
  'resourcequota-controller',
  'namespace-controller',
  // Takes the API server's node.kubernetes.io/not-ready taint off a node whose kubelet reports Ready.
  'node-lifecycle-controller',
  // Publishes kube-root-ca.crt in every namespace: a kubelet mounts it into each pod's token volume.
  'root-ca-certificate-publisher-controller',
] as const;

function failIfExited(child: Child, state: { code?: number | string }): void {
  if (state.code !== undefined) {
    throw new GiveUp(
      `${child.name} exited (${String(state.code)}) during start-up; ${child.logFile}:\n${child.tail()}`,
    );
  }
}

function track(child: Child): { code?: number | string } {
  const state: { code?: number | string } = {};
  void child.exited.then((code) => (state.code = code));
  return state;
}

/** Starts etcd, kube-apiserver and kube-controller-manager; resolves once all are usable. */
export async function startControlPlane(log: (line: string) => void = console.log): Promise<ControlPlane> {
  const binaries = await ensureBinaries(log);
  const started = Date.now();
  const dir = mkdtempSync(path.join(tmpdir(), 'init-injector-e2e-'));
  const keep = process.env['INIT_INJECTOR_E2E_KEEP'] === '1';
  if (!keep) registerTempDir(dir);
  const logs = path.join(dir, 'logs');
  mkdirSync(logs);
  const children: Child[] = [];
  const serviceRouter = await startServiceRouter();
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Reverse order: controllers and API server go before their storage.
    for (const child of children.reverse()) await stopChild(child);
    await serviceRouter.close();
    if (!keep) removeTempDir(dir);
  };
  try {
    const pki = await writeControlPlanePki(dir);
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${String(etcdClient)}`;
    const peerUrl = `http://127.0.0.1:${String(etcdPeer)}`;
    const etcd = startChild(
      'etcd',
      binaries.etcd,
      [
        '--name=e2e',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=e2e=${peerUrl}`,
        '--unsafe-no-fsync', // test data; fsync would dominate start-up on a shared disk
        '--log-level=warn',
      ],
      path.join(logs, 'etcd.log'),
    );
    children.push(etcd);
    const etcdState = track(etcd);
    await waitFor(
      'etcd /health',
      async () => {
        failIfExited(etcd, etcdState);
        const res = await fetch(`${etcdUrl}/health`);
        return res.ok ? true : undefined;
      },
      30_000,
    );

    const serverUrl = `https://127.0.0.1:${String(apiPort)}`;
    const apiserver = startChild(
      'kube-apiserver',
      binaries['kube-apiserver'],
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1', // no default route on a closed box: it cannot guess one
        `--secure-port=${String(apiPort)}`,
        `--cert-dir=${path.join(dir, 'certs')}`,
        `--tls-cert-file=${pki.apiserverCertFile}`,
        `--tls-private-key-file=${pki.apiserverKeyFile}`,
        `--client-ca-file=${pki.caFile}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${pki.serviceAccountPublicKeyFile}`,
        `--service-account-signing-key-file=${pki.serviceAccountKeyFile}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=RBAC',
        '--endpoint-reconciler-type=none', // else it publishes 127.0.0.1 as the kubernetes Service endpoint
        '--allow-privileged=true',
        '--enable-priority-and-fairness=false', // fewer goroutines and watches on 2 shared cores
        '--profiling=false',
        // The node suite's kubelet (logs, exec): dialled at its InternalIP (127.0.0.1), never by a host
        // name a resolver would have to look up, and with the admin identity its x509 authn trusts.
        '--kubelet-preferred-address-types=InternalIP',
        `--kubelet-client-certificate=${pki.adminCertFile}`,
        `--kubelet-client-key=${pki.adminKeyFile}`,
      ],
      path.join(logs, 'kube-apiserver.log'),
      { ...process.env, ...proxyEnv(serviceRouter) },
    );
    children.push(apiserver);
    const apiState = track(apiserver);
    const tls = { ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem };
    await waitFor(
      'kube-apiserver /readyz',
      async () => {
        failIfExited(apiserver, apiState);
        const res = await httpsGet(`${serverUrl}/readyz`, tls);
        return res.status === 200 ? true : undefined;
      },
      120_000,
      500,
    );

    const kubeconfigPath = path.join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfigPath, serverUrl, pki.ca.certPem, pki.admin);
    const kcm = startChild(
      'kube-controller-manager',
      binaries['kube-controller-manager'],
      [
        `--kubeconfig=${kubeconfigPath}`,
        `--controllers=${CONTROLLERS.join(',')}`,
        '--leader-elect=false',
        '--use-service-account-credentials=false', // one admin identity: RBAC roles for each controller are not the point here
        '--secure-port=0', // no serving endpoint needed
        `--root-ca-file=${pki.caFile}`,
        '--concurrent-deployment-syncs=2',
        '--concurrent-replicaset-syncs=2',
      ],
      path.join(logs, 'kube-controller-manager.log'),
    );
    children.push(kcm);
    const kcmState = track(kcm);

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    const coreApi = kubeConfig.makeApiClient(CoreV1Api);
    // The ServiceAccount admission plugin is on (as in real clusters): pods need their namespace's
    // "default" ServiceAccount, which the controller manager creates. Its appearance proves KCM runs.
    await waitFor(
      'kube-controller-manager to create default/default ServiceAccount',
      async () => {
        failIfExited(kcm, kcmState);
        await coreApi.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
        return true;
      },
      60_000,
      500,
    );

    const kubectl = (args: readonly string[], stdin?: string): Promise<KubectlResult> =>
      runCommand(binaries.kubectl, [`--kubeconfig=${kubeconfigPath}`, ...args], stdin);
    return {
      version: kubernetesVersion(),
      dir,
      serverUrl,
      kubeconfigPath,
      pki,
      binaries,
      kubeConfig,
      coreApi,
      appsApi: kubeConfig.makeApiClient(AppsV1Api),
      admissionApi: kubeConfig.makeApiClient(AdmissionregistrationV1Api),
      serviceRouter,
      startMs: Date.now() - started,
      kubectl,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
