/**
 * The servers under test, each in its own process pinned to the server core, with the GC probe
 * preloaded and stdout/stderr going to files (as a container runtime would take them, and so the
 * bench never spends the measured cores draining a pipe):
 *  - init-injector: the real `node bin/init-injector.js serve …` from dist/ (built if stale);
 *  - floor: bench/servers/floor.ts, a bare node:https server run by Node's type stripping.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { CertFiles } from './certs.js';

/** A running server under test. */
export interface ServerUnderTest {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly logFile: string;
  readonly child: ChildProcess;
}

/** The longest GC pause (and count, total) a server's probe saw in a window. */
export interface GcFigures {
  readonly maxMs: number;
  readonly totalMs: number;
  readonly count: number;
}

export const ROOT = join(import.meta.dirname, '..', '..');
const PROBE = join(ROOT, 'bench', 'servers', 'gc-probe.ts');

/** A free loopback port (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => {
        resolve(port);
      });
    });
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** Builds dist/ when it is missing or older than src/; returns a line saying what happened. */
export function ensureBuilt(): string {
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(ROOT, 'src'))) return 'dist/ is up to date';
  try {
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return 'built dist/ (tsc -p tsconfig.build.json)';
  } catch (e) {
    // tsc still emits on type errors; a missing entry point is the only fatal outcome.
    if (!existsSync(main))
      throw new Error(`cannot build dist/: ${String((e as { stdout?: Buffer }).stdout ?? e)}`, { cause: e });
    return 'built dist/ with type errors reported by tsc (emitted anyway)';
  }
}

function get(port: number, path: string, ca: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => {
      resolve(0);
    });
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitReady(
  s: ServerUnderTest,
  path: string,
  ca: Buffer,
  expect: (status: number) => boolean,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (s.child.exitCode !== null) {
      throw new Error(
        `${s.name} exited with ${s.child.exitCode}; its log (${s.logFile}):\n${readFileSync(s.logFile, 'utf8').slice(-2000)}`,
      );
    }
    if (expect(await get(s.port, path, ca))) return;
    if (Date.now() > deadline) throw new Error(`${s.name} not ready on ${path} after 30 s; log: ${s.logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Logs go into their own directory: a server that watches its config files' directories (policies,
 * namespace labels) must not see its own log writes as config changes.
 */
function logPath(logDir: string, name: string): string {
  const dir = join(logDir, 'logs');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

function launch(
  name: string,
  pin: readonly string[],
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  port: number,
): ServerUnderTest {
  const fd = openSync(logFile, 'a');
  const cmd = [...pin, process.execPath, '--disable-warning=ExperimentalWarning', '--import', PROBE, ...args];
  const child = spawn(cmd[0]!, cmd.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd, 'ipc'],
  });
  if (child.pid === undefined) throw new Error(`cannot start ${name}`);
  return { name, pid: child.pid, port, logFile, child };
}

/** Starts the bare node:https floor with `cert`. */
export async function startFloor(
  cert: CertFiles,
  pin: readonly string[],
  logDir: string,
  extraNodeArgs: readonly string[] = [],
): Promise<ServerUnderTest> {
  const port = await freePort();
  const s = launch(
    'floor',
    pin,
    [...extraNodeArgs, join(ROOT, 'bench', 'servers', 'floor.ts')],
    { FLOOR_PORT: String(port), FLOOR_CERT: cert.cert, FLOOR_KEY: cert.key },
    logPath(logDir, `floor-${cert.type}-${port}.log`),
    port,
  );
  await waitReady(s, '/', readFileSync(cert.cert), (st) => st > 0);
  return s;
}

/** Starts `init-injector serve` with the policy directory, namespace labels and `cert`. */
export async function startInjector(
  cert: CertFiles,
  policiesDir: string,
  labelsFile: string,
  pin: readonly string[],
  logDir: string,
  extraNodeArgs: readonly string[] = [],
  extraServeArgs: readonly string[] = [],
): Promise<ServerUnderTest> {
  const port = await freePort();
  const args = [
    ...extraNodeArgs,
    join(ROOT, 'bin', 'init-injector.js'),
    'serve',
    '--policies',
    policiesDir,
    '--port',
    String(port),
    '--tls-cert',
    cert.cert,
    '--tls-key',
    cert.key,
    '--metrics-port',
    '0',
    '--namespace-labels',
    labelsFile,
    ...extraServeArgs,
  ];
  const s = launch('init-injector', pin, args, {}, logPath(logDir, `injector-${cert.type}-${port}.log`), port);
  await waitReady(s, '/readyz', readFileSync(cert.cert), (st) => st === 200);
  return s;
}

/** Asks a server's GC probe about a window (epoch ms). */
export function gcInWindow(s: ServerUnderTest, from: number, to: number): Promise<GcFigures | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.child.off('message', onMessage);
      resolve(undefined);
    }, 2000);
    const onMessage = (m: unknown): void => {
      const msg = m as { type?: string } & GcFigures;
      if (msg.type !== 'gc-answer') return;
      clearTimeout(timer);
      s.child.off('message', onMessage);
      resolve({ maxMs: msg.maxMs, totalMs: msg.totalMs, count: msg.count });
    };
    s.child.on('message', onMessage);
    s.child.send({ type: 'gc-query', from, to });
  });
}

/**
 * Graceful: SIGTERM (the server drains, then exits and V8 writes a --cpu-prof profile), SIGKILL after
 * 20 s. Not graceful: SIGKILL at once (between bench sections nothing is left to measure).
 */
export function stopServer(s: ServerUnderTest, graceful = true): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => s.child.kill('SIGKILL'), graceful ? 20_000 : 0);
    s.child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    if (graceful) s.child.kill('SIGTERM');
  });
}
