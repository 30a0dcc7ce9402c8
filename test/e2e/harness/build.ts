/**
 * Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kubelet from the Kubernetes Go modules
 * pinned in test/e2e/k8s, once: the binaries are cached under
 * `${XDG_CACHE_HOME:-~/.cache}/init-injector/k8s/<version>-<hash>/bin`, where the hash covers every
 * file that decides what gets built. A warm run only checks that the files exist.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keyedCacheDir, pinnedVersion, underBuildLock } from './go-cache.js';

/** The Go module that pins Kubernetes (test/e2e/k8s). */
export const K8S_MODULE_DIR = fileURLToPath(new URL('../k8s/', import.meta.url));

/** The binaries the suite runs. */
export const BINARIES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kubelet',
] as const;

/** Where each binary lives once built. */
export type BinaryPaths = Readonly<Record<(typeof BINARIES)[number], string>>;

const KEY_FILES = ['go.mod', 'go.sum', 'tools.go', 'etcd/main.go'];

/** The Kubernetes version pinned in go.mod (e.g. "v1.37.2"). */
export function kubernetesVersion(): string {
  return pinnedVersion(K8S_MODULE_DIR, 'k8s.io/kubernetes');
}

/** The cache directory for the current go.mod/go.sum/tools.go/etcd main. */
export function cacheDir(): string {
  return keyedCacheDir(K8S_MODULE_DIR, KEY_FILES, 'k8s', kubernetesVersion());
}

function binPaths(dir: string): BinaryPaths {
  const bin = path.join(dir, 'bin');
  return {
    etcd: path.join(bin, 'etcd'),
    'kube-apiserver': path.join(bin, 'kube-apiserver'),
    'kube-controller-manager': path.join(bin, 'kube-controller-manager'),
    'kube-scheduler': path.join(bin, 'kube-scheduler'),
    kubectl: path.join(bin, 'kubectl'),
    kubelet: path.join(bin, 'kubelet'),
  };
}

/** Binaries already in the cache, or undefined when any of them is missing. */
export function cachedBinaries(): BinaryPaths | undefined {
  const paths = binPaths(cacheDir());
  return Object.values(paths).every((p) => existsSync(p)) ? paths : undefined;
}

/** True when a `go` command is on PATH. */
export function goAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/** Returns the binaries, building them first when the cache lacks them (cold: many minutes). */
export async function ensureBinaries(log: (line: string) => void = console.log): Promise<BinaryPaths> {
  const cached = cachedBinaries();
  if (cached !== undefined) return cached;
  if (!goAvailable()) {
    throw new Error(
      'Go is not installed (needed to build kube-apiserver from the Kubernetes Go modules); install Go >= 1.26',
    );
  }
  const dir = cacheDir();
  await underBuildLock(
    dir,
    'the Kubernetes binaries',
    log,
    () => cachedBinaries() !== undefined,
    () => goBuild(dir, log),
  );
  const built = cachedBinaries();
  if (built === undefined) throw new Error(`go build finished but binaries are missing in ${dir}/bin`);
  return built;
}

async function goBuild(dir: string, log: (line: string) => void): Promise<void> {
  const version = kubernetesVersion();
  const [major, minor] = version.slice(1).split('.');
  const staging = path.join(dir, `bin.partial-${String(process.pid)}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const logFile = path.join(dir, 'build.log');
  const ldflags = [
    '-s -w',
    `-X k8s.io/component-base/version.gitVersion=${version}`,
    `-X k8s.io/component-base/version.gitMajor=${major ?? ''}`,
    `-X k8s.io/component-base/version.gitMinor=${minor ?? ''}`,
  ].join(' ');
  const args = ['build', '-trimpath', '-pgo=off', '-ldflags', ldflags, '-o', `${staging}/`];
  args.push('k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kube-controller-manager');
  args.push('k8s.io/kubernetes/cmd/kube-scheduler', 'k8s.io/kubernetes/cmd/kubectl', 'k8s.io/kubernetes/cmd/kubelet');
  args.push('./etcd');
  log(`e2e: building ${BINARIES.join(', ')} ${version} from the Go modules in ${K8S_MODULE_DIR}`);
  log(`e2e: a cold build takes ~15 min and ~2.7 GB of RAM on 2 cores (measured 13.5 min); log: ${logFile}`);
  const started = Date.now();
  const fd = openSync(logFile, 'w');
  const child = spawn('go', args, {
    cwd: K8S_MODULE_DIR,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  closeSync(fd);
  const ticker = setInterval(() => {
    log(`e2e: still building (${String(Math.round((Date.now() - started) / 60000))} min)…`);
  }, 120_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(ticker);
  if (code !== 0) {
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
    throw new Error(`go build of the Kubernetes binaries failed (exit ${String(code)}); ${logFile}:\n${tail}`);
  }
  const bin = path.join(dir, 'bin');
  rmSync(bin, { recursive: true, force: true });
  renameSync(staging, bin);
  log(`e2e: built in ${String(Math.round((Date.now() - started) / 1000))} s into ${bin}`);
}
