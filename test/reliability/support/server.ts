/**
 * The real `init-injector serve` in a child process, for the hostile-input and secrets suites:
 * a temp policies directory, a self-signed ECDSA P-256 certificate for 127.0.0.1 made with the
 * openssl CLI (independent of the server's and the e2e harness's own PKI code), --port 0 and the
 * port read from the "listening" log line. Every stdout/stderr line is kept for log scanning.
 * The child runs the TypeScript sources through tsx (the same code `dist/` is built from), so the
 * normal mocha run needs no build step.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { podCreateReview } from '../../../fixtures/review.js';
import { makeCert } from '../../support/tls.js';

export { makeCert };

const ENTRY = new URL('./serve-child.ts', import.meta.url).pathname;

/** A running server child. */
export interface ServerProc {
  readonly port: number;
  readonly dir: string;
  readonly ca: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly child: ChildProcess;
  /** Every line written so far to stdout and stderr. */
  readonly lines: string[];
  alive(): boolean;
  /** Resident set size of the child in bytes, from /proc. */
  rss(): number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts serve with `policies` (file name -> YAML) and extra flags; resolves once it listens. */
export async function startServer(
  policies: Record<string, string>,
  extra: readonly string[] = [],
): Promise<ServerProc> {
  const dir = mkdtempSync(join(tmpdir(), 'init-injector-rel-'));
  const polDir = join(dir, 'policies');
  execFileSync('mkdir', ['-p', polDir]);
  for (const [f, text] of Object.entries(policies)) writeFileSync(join(polDir, f), text);
  const { certFile, keyFile } = makeCert(dir);
  writeFileSync(join(dir, 'ns.yaml'), 'team-a: {env: prod}\n');
  const args = [
    'serve',
    '--policies',
    polDir,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--metrics-port',
    '0',
    '--tls-cert',
    certFile,
    '--tls-key',
    keyFile,
    '--namespace-labels',
    join(dir, 'ns.yaml'),
    ...extra,
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let exited = false;
  const exit = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      exited = true;
      r(code);
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`serve did not log "listening" in 30 s:\n${lines.join('\n')}`));
    }, 30_000);
    const onLine = (stream: NodeJS.ReadableStream) => {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          lines.push(line);
          if (line.includes('"listening"')) {
            clearTimeout(timer);
            resolve((JSON.parse(line) as { port: number }).port);
          }
        }
      });
    };
    onLine(child.stdout);
    onLine(child.stderr);
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${lines.join('\n')}`));
    });
  });
  return {
    port,
    dir,
    certFile,
    keyFile,
    child,
    lines,
    ca: readFileSync(certFile, 'utf8'),
    alive: () => !exited && child.exitCode === null,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024,
    stop: async (signal = 'SIGTERM') => {
      if (!exited) child.kill(signal);
      const code = await exit;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** An HTTP answer with its time. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly ms: number;
}

/** One HTTPS request on a fresh connection; rejects after `timeoutMs`. */
export function request(
  s: Pick<ServerProc, 'port' | 'ca'>,
  opts: {
    method?: string;
    path?: string;
    body?: string | Buffer;
    headers?: Record<string, string>;
    timeoutMs?: number;
  },
): Promise<Answer> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: s.port,
        ca: s.ca,
        servername: 'localhost',
        method: opts.method ?? 'POST',
        path: opts.path ?? '/mutate',
        agent: false,
        headers: { 'content-type': 'application/json', ...opts.headers },
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - start,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${opts.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A TLS connection to the server (for raw bytes: smuggling, slowloris, idle connections). */
export function connectTls(s: Pick<ServerProc, 'port' | 'ca'>): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: s.port, ca: s.ca, servername: 'localhost' }, () => {
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

/** Writes `bytes` on a fresh TLS connection; resolves with everything read until close or `waitMs`. */
export async function rawExchange(
  s: Pick<ServerProc, 'port' | 'ca'>,
  bytes: string | Buffer,
  waitMs = 3000,
): Promise<{ text: string; closed: boolean }> {
  const sock = await connectTls(s);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let closed = false;
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(done, waitMs);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      closed = true;
      done();
    });
    sock.write(bytes);
  });
}

/** An AdmissionReview for a pod CREATE in namespace team-a. */
export function review(pod: unknown, uid = 'rel-uid-1'): Record<string, unknown> {
  return podCreateReview(pod, {
    uid,
    namespace: 'team-a',
    userInfo: { username: 'alice', groups: ['system:authenticated'] },
  });
}
