/**
 * Real cert-manager for the end-to-end suite: its controllers and CA injector, imported from the
 * published github.com/cert-manager/cert-manager module by our own `main` (test/e2e/certmanager),
 * built once and cached like the Kubernetes binaries, and its CRDs from the same module version.
 *
 * Also the kubelet's part for a webhook pod that mounts the cert-manager Secret: `projectSecret`
 * copies a Secret into a directory the way the kubelet updates a Secret volume (atomic `..data`
 * swap), after a configurable lag, because a real kubelet applies a Secret change at its next
 * sync of the pod, not when the Secret changes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { keyedCacheDir, pinnedVersion, underBuildLock } from './go-cache.js';
import { fileURLToPath } from 'node:url';
import { certManagerCrdFiles } from '../../deploy/support/cert-manager.js';
import { writeAtomicDir } from './atomicdir.js';
import type { ControlPlane } from './controlplane.js';
import { waitFor } from './net.js';
import { startChild, stopChild, type Child } from './proc.js';

/** Our Go module that builds the cert-manager binary. */
export const CM_MODULE_DIR = fileURLToPath(new URL('../certmanager/', import.meta.url));

const KEY_FILES = ['go.mod', 'go.sum', 'main.go'];

/** The cert-manager version pinned in test/e2e/certmanager/go.mod (e.g. "v1.21.2"). */
export function certManagerVersion(): string {
  return pinnedVersion(CM_MODULE_DIR, 'github.com/cert-manager/cert-manager');
}

/** `${XDG_CACHE_HOME:-~/.cache}/init-injector/cert-manager/<version>-<hash of go.mod, go.sum, main.go>`. */
export function certManagerCacheDir(): string {
  return keyedCacheDir(CM_MODULE_DIR, KEY_FILES, 'cert-manager', certManagerVersion());
}

/** The cert-manager binary, built first when the cache lacks it (cold: several minutes). */
export async function ensureCertManagerBinary(log: (line: string) => void = console.log): Promise<string> {
  const dir = certManagerCacheDir();
  const binary = path.join(dir, 'bin', 'certmanager');
  if (existsSync(binary)) return binary;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('Go is not installed (needed to build cert-manager from its Go module); install Go >= 1.26');
  }
  await underBuildLock(
    dir,
    'cert-manager',
    log,
    () => existsSync(binary),
    async () => {
      const staging = path.join(dir, `bin.partial-${String(process.pid)}`);
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging, { recursive: true });
      const logFile = path.join(dir, 'build.log');
      log(`e2e: building cert-manager ${certManagerVersion()} (controllers + cainjector) from ${CM_MODULE_DIR}`);
      log(`e2e: a cold build takes ~6 min on 2 cores; log: ${logFile}`);
      const started = Date.now();
      const fd = openSync(logFile, 'w');
      const child = spawn(
        'go',
        ['build', '-trimpath', '-pgo=off', '-ldflags', '-s -w', '-o', path.join(staging, 'certmanager'), '.'],
        { cwd: CM_MODULE_DIR, stdio: ['ignore', fd, fd], env: { ...process.env, CGO_ENABLED: '0' } },
      );
      closeSync(fd);
      const ticker = setInterval(() => {
        log(`e2e: still building cert-manager (${String(Math.round((Date.now() - started) / 60000))} min)…`);
      }, 120_000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      clearInterval(ticker);
      if (code !== 0) {
        const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
        throw new Error(`go build of cert-manager failed (exit ${String(code)}); ${logFile}:\n${tail}`);
      }
      const bin = path.join(dir, 'bin');
      rmSync(bin, { recursive: true, force: true });
      renameSync(staging, bin);
      log(`e2e: built cert-manager in ${String(Math.round((Date.now() - started) / 1000))} s into ${bin}`);
    },
  );
  if (!existsSync(binary)) throw new Error(`go build finished but ${binary} is missing`);
  return binary;
}

/** cert-manager's CRDs, from the module version the binary is built from; waits until Established. */
export async function installCertManagerCrds(cp: ControlPlane): Promise<void> {
  for (const file of certManagerCrdFiles(certManagerVersion())) {
    const r = await cp.kubectl(['apply', '--server-side', '--force-conflicts', '-f', file]);
    if (r.code !== 0) throw new Error(`kubectl apply ${file}: ${r.stderr}`);
  }
  for (const crd of ['certificates', 'certificaterequests', 'issuers', 'clusterissuers']) {
    const w = await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${crd}.cert-manager.io`]);
    if (w.code !== 0) throw new Error(`CRD ${crd}.cert-manager.io not Established: ${w.stderr}`);
  }
}

/** The running cert-manager processes. */
export interface CertManager {
  readonly version: string;
  readonly controller: Child;
  /** The CA injector process now (a new one after restartCAInjector). */
  cainjector(): Child;
  /** Stops the CA injector only (as when its Deployment is down); startCAInjector brings it back. */
  stopCAInjector(): Promise<void>;
  startCAInjector(): void;
  stop(): Promise<void>;
}

/** Installs the CRDs and starts the controller and the CA injector against the control plane. */
export async function startCertManager(
  cp: ControlPlane,
  log: (line: string) => void = console.log,
): Promise<CertManager> {
  const binary = await ensureCertManagerBinary(log);
  await installCertManagerCrds(cp);
  const logs = path.join(cp.dir, 'logs');
  mkdirSync(logs, { recursive: true });
  // Every argument names the work dir (the kubeconfig), so the root hook's pgrep finds a survivor.
  const controller = startChild(
    'cert-manager controller',
    binary,
    ['controller', `--kubeconfig=${cp.kubeconfigPath}`, '--cluster-resource-namespace=cert-manager', '-v=2'],
    path.join(logs, 'cert-manager-controller.log'),
  );
  const startInjector = (): Child =>
    startChild(
      'cert-manager cainjector',
      binary,
      ['cainjector', `--kubeconfig=${cp.kubeconfigPath}`, '-v=2'],
      path.join(logs, 'cert-manager-cainjector.log'),
    );
  let cainjector: Child | undefined = startInjector();
  return {
    version: certManagerVersion(),
    controller,
    cainjector: () => {
      if (cainjector === undefined) throw new Error('the CA injector is stopped');
      return cainjector;
    },
    stopCAInjector: async () => {
      if (cainjector !== undefined) await stopChild(cainjector);
      cainjector = undefined;
    },
    startCAInjector: () => {
      cainjector ??= startInjector();
    },
    stop: async () => {
      if (cainjector !== undefined) await stopChild(cainjector);
      cainjector = undefined;
      await stopChild(controller);
    },
  };
}

/** A Secret volume kept in step with its Secret, as the kubelet does for a pod. */
export interface ProjectedSecret {
  readonly dir: string;
  /** Resolves once the Secret exists and its first content is in `dir` (a pod's volume set-up). */
  readonly mounted: Promise<void>;
  /** Times (ms since epoch) at which a new content was swapped in; the first one is the mount. */
  readonly swaps: number[];
  stop(): void;
}

/**
 * Polls Secret `namespace/name` every 100 ms and writes each new content of its data into `dir`
 * with `writeAtomicDir`, `lagMs` after it was seen (0 for the mount itself, which a pod waits for).
 */
export function projectSecret(
  cp: ControlPlane,
  namespace: string,
  name: string,
  dir: string,
  lagMs: number,
): ProjectedSecret {
  let stopped = false;
  let last = '';
  const swaps: number[] = [];
  let resolveMounted: () => void = () => undefined;
  const mounted = new Promise<void>((resolve) => (resolveMounted = resolve));
  const write = async (data: Record<string, string>): Promise<void> => {
    const files: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) files[k] = Buffer.from(v, 'base64').toString('utf8');
    await writeAtomicDir(dir, files);
    swaps.push(Date.now());
    if (swaps.length === 1) resolveMounted();
  };
  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        const secret = await cp.coreApi.readNamespacedSecret({ name, namespace });
        const data = secret.data ?? {};
        const key = JSON.stringify(data);
        if (key !== last && data['tls.crt'] !== undefined) {
          last = key;
          if (swaps.length > 0 && lagMs > 0) {
            setTimeout(() => {
              if (!stopped) void write(data);
            }, lagMs);
          } else {
            await write(data);
          }
        }
      } catch {
        // Not there yet (the pod would be ContainerCreating): try again.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  void loop();
  return {
    dir,
    mounted,
    swaps,
    stop: () => {
      stopped = true;
    },
  };
}

/** Waits for a cert-manager Certificate to be Ready with the given minimum revision. */
export async function waitCertificateReady(
  cp: ControlPlane,
  namespace: string,
  name: string,
  minRevision = 1,
  timeoutMs = 60_000,
): Promise<number> {
  return waitFor(
    `Certificate ${namespace}/${name} Ready at revision >= ${String(minRevision)}`,
    async () => {
      const r = await cp.kubectl(['get', 'certificate', '-n', namespace, name, '-o', 'json']);
      if (r.code !== 0) return undefined;
      const status = (JSON.parse(r.stdout) as { status?: CertificateStatus }).status;
      const ready = status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      const revision = status?.revision ?? 0;
      return ready && revision >= minRevision ? revision : undefined;
    },
    timeoutMs,
    200,
  );
}

interface CertificateStatus {
  revision?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

/**
 * Triggers a re-issuance of a Certificate the way `cmctl renew` does: the Issuing condition set to
 * True (reason ManuallyTriggered) through the status subresource. Returns the revision before.
 */
export async function renewCertificate(cp: ControlPlane, namespace: string, name: string): Promise<number> {
  const r = await cp.kubectl(['get', 'certificate', '-n', namespace, name, '-o', 'json']);
  if (r.code !== 0) throw new Error(`get certificate ${namespace}/${name}: ${r.stderr}`);
  const cert = JSON.parse(r.stdout) as { status?: CertificateStatus; metadata: { generation?: number } };
  const revision = cert.status?.revision ?? 0;
  const conditions: Record<string, unknown>[] = (cert.status?.conditions ?? []).filter((c) => c.type !== 'Issuing');
  conditions.push({
    type: 'Issuing',
    status: 'True',
    reason: 'ManuallyTriggered',
    message: 'Certificate re-issuance manually triggered',
    lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    observedGeneration: cert.metadata.generation ?? 1,
  });
  const patch = JSON.stringify({ status: { conditions } });
  const p = await cp.kubectl([
    'patch',
    'certificate',
    '-n',
    namespace,
    name,
    '--subresource=status',
    '--type=merge',
    '-p',
    patch,
  ]);
  if (p.code !== 0) throw new Error(`renew ${namespace}/${name}: ${p.stderr}`);
  return revision;
}
