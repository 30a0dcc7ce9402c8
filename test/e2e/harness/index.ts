/**
 * End-to-end harness: a real etcd + kube-apiserver + kube-controller-manager (built once from the
 * Kubernetes Go modules in test/e2e/k8s) and our webhook started through `init-injector serve`.
 *
 * API for suites (scenarios, deploy.test.ts, bench):
 * - `getControlPlane(): Promise<ControlPlane>` — the one control plane of this run (started by the
 *   root hook in test/e2e/setup.ts; memoized, so calling it from any suite is cheap). A ControlPlane has
 *   `version`, `serverUrl`, `kubeconfigPath`, `dir` (work dir), `pki` (its `ca` issues more certs with issueWebhookCert,
 *   `caFile`), `binaries` (etcd, kube-apiserver, kube-controller-manager, kubectl paths), `kubeConfig`,
 *   `coreApi`, `appsApi`, `admissionApi` (@kubernetes/client-node), `startMs`, and
 *   `kubectl(args, stdin?) -> {code, stdout, stderr}` (kubectl from the same module, admin kubeconfig).
 * - `startTrackedWebhook(cp, name, policies)`: `init-injector serve` with the given policy files
 *   (name -> YAML; `readPolicyDir(dir)` reads a directory), a serving cert for 127.0.0.1, stopped at
 *   teardown. Returns a WebhookServer (`url`, `metrics()`, `admissionCount()`, `replacePolicies()`,
 *   `rotateCertificate()`, `stop()`).
 * - `webhookConfiguration(opts)` + `registerWebhook(cp, body)`: a MutatingWebhookConfiguration as
 *   deploy/ shapes it, in URL mode with caBundle, routed by the namespace label ROUTE_LABEL.
 * - `createNamespace(cp, prefix, labels)`, `podManifest()`, `createPod()`, `dryRunPod()`,
 *   `expectRefused()`, `initNames()`, `waitFor()`: isolation by unique namespace, reads of stored pods.
 * Every process is in its own process group and is killed at teardown, on SIGINT/SIGTERM and at exit.
 */
import type { ControlPlane } from './controlplane.js';
import { startControlPlane } from './controlplane.js';
import { startWebhook, type WebhookOptions, type WebhookServer } from './webhook.js';

export * from './cluster.js';
export * from './registration.js';
export { toKube, type Plain } from './plain.js';
export { waitFor, freePort } from './net.js';
export { goAvailable, kubernetesVersion, cacheDir, ensureBinaries } from './build.js';
export { ensureDist, readPolicyDir, REPO_ROOT, ADMISSION_METRIC, sumSamples, type WebhookServer } from './webhook.js';
export type { ControlPlane, KubectlResult } from './controlplane.js';
export { issueWebhookCert, type CertAndKey, type CertificateAuthority } from './pki.js';
export { liveChildren, runCommand, takeUnexpectedExits, type CommandResult } from './proc.js';

let shared: Promise<ControlPlane> | undefined;
const webhooks = new Set<WebhookServer>();

/** The control plane of this test run (started on first call, shared by every suite). */
export function getControlPlane(): Promise<ControlPlane> {
  shared ??= startControlPlane();
  return shared;
}

/** Starts `init-injector serve` against the shared control plane; stopped by stopControlPlane. */
export async function startTrackedWebhook(
  cp: ControlPlane,
  name: string,
  policies: Readonly<Record<string, string>>,
  policySource: 'files' | 'crd' = 'files',
  /** More `serve` flags; a serving certificate kept by the caller (see WebhookOptions). */
  extra: { readonly args?: readonly string[]; readonly tls?: WebhookOptions['tls'] } = {},
): Promise<WebhookServer> {
  const server = await startWebhook({
    name,
    policies,
    ca: cp.pki.ca,
    kubeconfigPath: cp.kubeconfigPath,
    workDir: cp.dir,
    policySource,
    ...(extra.args === undefined ? {} : { args: extra.args }),
    ...(extra.tls === undefined ? {} : { tls: extra.tls }),
  });
  webhooks.add(server);
  return server;
}

/** Stops every webhook and the control plane (root after-all hook). */
export async function stopControlPlane(): Promise<void> {
  for (const server of webhooks) await server.stop();
  webhooks.clear();
  if (shared === undefined) return;
  const cp = await shared.catch(() => undefined);
  shared = undefined;
  await cp?.stop();
}
