/**
 * Our webhook as the cluster runs it: `node bin/init-injector.js serve` (the real serve code path)
 * on a free loopback port, with a serving certificate for IP 127.0.0.1 issued by the control plane's
 * CA, and the admin kubeconfig so its namespace informer sees the real namespaces. Policies and
 * certificates live in kubelet-style atomic directories, so tests can swap them like a ConfigMap or
 * a cert-manager Secret would be swapped under a running pod.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAtomicDir } from './atomicdir.js';
import { freePort, GiveUp, httpGetText, httpsGet, waitFor } from './net.js';
import { issueWebhookCert, type CertAndKey, type CertificateAuthority } from './pki.js';
import { startChild, stopChild } from './proc.js';

/** Repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The counter of admission requests our server exposes on /metrics (summed over its labels). */
export const ADMISSION_METRIC = 'init_injector_admission_requests_total';

/** A running `init-injector serve`. */
export interface WebhookServer {
  readonly name: string;
  /** https://127.0.0.1:PORT/mutate: what the MutatingWebhookConfiguration points at. */
  readonly url: string;
  readonly port: number;
  readonly metricsPort: number;
  /** Directory the server loads policies from (kubelet-style atomic dir). */
  readonly policiesDir: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate currently in the files. */
  readonly current: () => CertAndKey;
  /** Replaces the policy files (name -> YAML) in one atomic swap. */
  replacePolicies(files: Readonly<Record<string, string>>): Promise<void>;
  /** Issues a new serving certificate and swaps it in; resolves with it. */
  rotateCertificate(): Promise<CertAndKey>;
  /** Prometheus text from the metrics port. */
  metrics(): Promise<string>;
  /** Sum of every sample of ADMISSION_METRIC. */
  admissionCount(): Promise<number>;
  stop(): Promise<void>;
  /** The server's log (for failure messages). */
  tail(lines?: number): string;
  /** The file the server's stdout and stderr go to (the bench reads its per-admission lines). */
  readonly logFile: string;
}

/** What to start. */
export interface WebhookOptions {
  readonly name: string;
  /** Initial policy files (name -> YAML); see readPolicyDir. */
  readonly policies: Readonly<Record<string, string>>;
  readonly ca: CertificateAuthority;
  readonly kubeconfigPath: string;
  /** Work dir of the control plane: the webhook's files go in `<dir>/webhooks/<name>`. */
  readonly workDir: string;
  /** `--policy-source crd`: the cluster's InjectionPolicy objects instead of the policy files. */
  readonly policySource?: 'files' | 'crd';
  /** More `serve` flags, after the harness's own. */
  readonly args?: readonly string[];
  /**
   * Serving certificate files kept by the caller (a projected cert-manager Secret: tls.crt,
   * tls.key, ca.crt) instead of one issued here; readiness is checked against its ca.crt for
   * `serverName`.
   */
  readonly tls?: { readonly dir: string; readonly serverName: string };
}

/** Reads every *.yaml / *.yml directly in `dir` into a name -> content map. */
export function readPolicyDir(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (/\.ya?ml$/.test(name)) files[name] = readFileSync(path.join(dir, name), 'utf8');
  }
  return files;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

let distChecked = false;

/**
 * Builds dist/ when it is missing or older than src/ (the CLI runs from dist/, as in production).
 * Once per run: the root hook calls it before any webhook starts, so no build races a running server.
 */
export function ensureDist(log: (line: string) => void = console.log): void {
  if (distChecked) return;
  distChecked = true;
  const main = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(path.join(REPO_ROOT, 'src'))) return;
  log('e2e: dist/ is missing or older than src/: npm run build');
  const res = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (!existsSync(main)) throw new Error(`npm run build did not produce dist/cli/main.js:\n${res.stdout}${res.stderr}`);
  if (res.status !== 0)
    log(`e2e: warning: npm run build exited ${String(res.status)} (type errors?); using what it emitted`);
}

/** Starts `init-injector serve` and waits until /readyz answers 200 over TLS. */
export async function startWebhook(options: WebhookOptions): Promise<WebhookServer> {
  ensureDist();
  const home = path.join(options.workDir, 'webhooks', options.name);
  const policiesDir = path.join(home, 'policies');
  const external = options.tls;
  const tlsDir = external?.dir ?? path.join(home, 'tls');
  mkdirSync(home, { recursive: true });
  let current = await issueWebhookCert(options.ca);
  await writeAtomicDir(policiesDir, options.policies);
  if (external === undefined) await writeAtomicDir(tlsDir, { 'tls.crt': current.certPem, 'tls.key': current.keyPem });
  const readyTls = (): { ca: string; servername?: string } =>
    external === undefined
      ? { ca: options.ca.certPem }
      : { ca: readFileSync(path.join(external.dir, 'ca.crt'), 'utf8'), servername: external.serverName };
  const [port, metricsPort] = [await freePort(), await freePort()];
  const certFile = path.join(tlsDir, 'tls.crt');
  const keyFile = path.join(tlsDir, 'tls.key');
  const child = startChild(
    `webhook ${options.name}`,
    process.execPath,
    [
      path.join(REPO_ROOT, 'bin', 'init-injector.js'),
      'serve',
      ...(options.policySource === 'crd' ? ['--policy-source=crd'] : [`--policies=${policiesDir}`]),
      `--port=${String(port)}`,
      `--tls-cert=${certFile}`,
      `--tls-key=${keyFile}`,
      `--metrics-port=${String(metricsPort)}`,
      `--kubeconfig=${options.kubeconfigPath}`,
      ...(options.args ?? []),
    ],
    path.join(home, 'serve.log'),
    { ...process.env, KUBECONFIG: options.kubeconfigPath },
  );
  let exit: number | string | undefined;
  void child.exited.then((code) => (exit = code));
  await waitFor(
    `webhook ${options.name} /readyz`,
    async () => {
      if (exit !== undefined) throw new GiveUp(`serve exited (${String(exit)}); ${child.logFile}:\n${child.tail()}`);
      const res = await httpsGet(`https://127.0.0.1:${String(port)}/readyz`, readyTls());
      return res.status === 200 ? true : undefined;
    },
    60_000, // generous: the suite shares 2 cores with the API server, controllers and other work
    250,
  ).catch(async (error: unknown) => {
    await stopChild(child);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n${child.logFile}:\n${child.tail()}`);
  });
  const metrics = (): Promise<string> => httpGetText(`http://127.0.0.1:${String(metricsPort)}/metrics`);
  return {
    logFile: child.logFile,
    name: options.name,
    url: `https://127.0.0.1:${String(port)}/mutate`,
    port,
    metricsPort,
    policiesDir,
    certFile,
    keyFile,
    current: () => current,
    replacePolicies: (files) => writeAtomicDir(policiesDir, files),
    rotateCertificate: async () => {
      if (external !== undefined) throw new Error(`webhook ${options.name}: its certificate is not ours to rotate`);
      current = await issueWebhookCert(options.ca);
      await writeAtomicDir(tlsDir, { 'tls.crt': current.certPem, 'tls.key': current.keyPem });
      return current;
    },
    metrics,
    admissionCount: async () => sumSamples(await metrics(), ADMISSION_METRIC),
    stop: () => stopChild(child),
    tail: (lines) => child.tail(lines),
  };
}

/** Sums every sample of `metric` in Prometheus text format (0 when absent). */
export function sumSamples(text: string, metric: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `)) {
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(value)) sum += value;
    }
  }
  return sum;
}
