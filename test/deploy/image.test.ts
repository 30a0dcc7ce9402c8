// Reproduces the Dockerfile's final stage without a Docker engine: every COPY of the final stage is
// followed (build context through .dockerignore; --from=<stage> reproduces that stage from its own
// COPY and RUN lines: the build stage compiles only what it copied, the prod-deps stage runs its
// production-only `npm ci`), then the ENTRYPOINT is started with a real certificate and must answer
// /readyz, and exit on SIGTERM. What this cannot prove: the base image layers (and the final stage's RUN,
// which only deletes npm from them) and a real container runtime (docs/install.md lists these).
import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { dockerignore, readDockerfile, type Copy, type Stage } from './support/dockerfile.js';
import { ROOT } from './support/render.js';
import { makeCert } from '../support/tls.js';

const stages = readDockerfile();
const final = stages.at(-1)!;
const ignored = dockerignore();

/** Copies a build-context path the way `COPY` does, skipping what .dockerignore excludes. */
function copyFromContext(source: string, target: string): void {
  const abs = join(ROOT, source);
  if (!existsSync(abs)) throw new Error(`Dockerfile COPY source ${source} does not exist`);
  cpSync(abs, target, { recursive: true, filter: (p) => p === abs || !ignored(relative(ROOT, p)) });
  ok(!ignored(source), `${source} is excluded by .dockerignore but copied by the Dockerfile`);
}

function inStage(root: string, stage: Stage, path: string): string {
  const abs = path.startsWith('/') ? path : join(stage.workdir, path);
  return join(root, abs);
}

/**
 * Runs a stage's COPY-from-context and RUN instructions in dir (its WORKDIR maps to dir). npm uses the
 * local cache (--prefer-offline). A full `npm ci` (the build stage) is not repeated: the repository's
 * node_modules was installed by that same command from the same package-lock.json, and is linked in.
 */
function reproduceStage(name: string, dir: string): void {
  const stage = stages.find((s) => s.name === name);
  if (stage === undefined) throw new Error(`Dockerfile has no stage ${name}`);
  for (const c of stage.copies) {
    if (c.from !== undefined) throw new Error(`stage ${name}: COPY --from in line ${c.line} is not reproduced`);
    for (const s of c.sources) copyFromContext(s, inStage(dir, stage, c.dest.endsWith('/') ? join(c.dest, s) : c.dest));
  }
  const cwd = inStage(dir, stage, '.');
  for (const run of stage.runs) {
    if (/^npm ci(?!.*--omit=dev)/.test(run)) symlinkSync(join(ROOT, 'node_modules'), join(cwd, 'node_modules'));
    else if (run.startsWith('npm ci')) execFileSync('sh', ['-c', `${run} --prefer-offline`], { cwd, stdio: 'pipe' });
    else execFileSync('sh', ['-c', run], { cwd, stdio: 'pipe' });
  }
}

/** The stage's directory, reproduced once (several COPY --from lines may name the same stage). */
function stageDir(name: string, work: string): string {
  const dir = join(work, `stage-${name}`);
  if (!existsSync(dir)) reproduceStage(name, dir);
  return dir;
}

function reproduceCopy(c: Copy, app: string, work: string): void {
  const dest = (s: string) => inStage(app, final, c.dest.endsWith('/') ? join(c.dest, s) : c.dest);
  for (const source of c.sources) {
    if (c.from === undefined) copyFromContext(source, dest(source));
    else if (stages.some((s) => s.name === c.from))
      cpSync(join(stageDir(c.from, work), source), dest(source), { recursive: true });
    else throw new Error(`image.test.ts cannot reproduce Dockerfile line ${c.line}: COPY --from=${c.from} ${source}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => {
        resolve(port);
      });
    });
    s.on('error', reject);
  });
}

function getStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { ca, servername: 'localhost', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('deploy: the image, reproduced from the Dockerfile final stage', function () {
  this.timeout(300_000);
  let work: string;
  let root: string;
  let child: ChildProcess | undefined;
  let output = '';

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'init-injector-image-'));
    root = join(work, 'rootfs');
    for (const c of final.copies) reproduceCopy(c, root, work);
  });

  after(() => {
    child?.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('runs as a numeric non-root user with an exec-form node ENTRYPOINT (no shell)', () => {
    ok(/^[1-9]\d*(:[1-9]\d*)?$/.test(final.user ?? ''), `USER ${final.user} is not a numeric non-root uid`);
    strictEqual(final.entrypoint?.[0], 'node');
    strictEqual(final.entrypoint.at(-1), 'serve');
  });

  it('contains production dependencies only', () => {
    const modules = new Set(readdirSync(join(root, 'app', 'node_modules')));
    for (const dev of ['typescript', 'mocha', 'eslint', 'tsx', 'c8', 'prettier'])
      ok(!modules.has(dev), `${dev} is in the image`);
    for (const dep of ['express', 'pino', 'zod', 'js-yaml']) ok(modules.has(dep), `${dep} is missing from the image`);
    ok(statSync(join(root, 'app', 'dist', 'cli', 'main.js')).isFile());
  });

  /**
   * When the test runs as root (CI here), serve runs as the Dockerfile's USER with a node binary copied
   * next to the root filesystem (the node under /root is not reachable for other users), over a tree it
   * cannot write: that is the image's non-root, read-only-root-filesystem situation. Otherwise it runs
   * as the current user.
   */
  function asImageUser(): { node: string; user: { uid?: number; gid?: number } } {
    if (process.getuid?.() !== 0) return { node: process.execPath, user: {} };
    const [uid, gid] = (final.user ?? '').split(':').map(Number);
    const node = join(work, 'node');
    cpSync(process.execPath, node);
    for (const p of [work, join(work, 'tls', 'tls.key')]) chmodSync(p, p === work ? 0o755 : 0o644);
    return { node, user: { uid: uid!, gid: gid ?? uid! } };
  }

  it('starts `serve` (as the image USER when run as root) with a real certificate, answers /readyz, exits on SIGTERM', async () => {
    const tls = join(work, 'tls');
    mkdirSync(tls);
    makeCert(tls);
    const nsLabels = join(work, 'namespaces.yaml');
    writeFileSync(nsLabels, 'default: {}\n');
    const port = await freePort();
    const [, ...entryArgs] = final.entrypoint!;
    const { node, user } = asImageUser();
    child = spawn(
      node,
      [
        ...entryArgs,
        `--port=${port}`,
        '--host=127.0.0.1',
        `--tls-cert=${join(tls, 'tls.crt')}`,
        `--tls-key=${join(tls, 'tls.key')}`,
        '--metrics-port=0',
        `--namespace-labels=${nsLabels}`,
        '--drain=200ms',
        '--shutdown-grace=3s',
      ],
      {
        cwd: inStage(root, final, '.'),
        // HOME is not writable, as for a uid without a passwd entry in the image.
        env: { PATH: '/usr/bin:/bin', HOME: root, NODE_ENV: 'production' },
        ...user,
      },
    );
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const ca = readFileSync(join(tls, 'tls.crt'), 'utf8');
    let status = 0;
    for (let i = 0; i < 150 && status !== 200; i++) {
      if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${output}`);
      status = await getStatus(`https://127.0.0.1:${port}/readyz`, ca).catch(() => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    strictEqual(status, 200, `/readyz never answered 200:\n${output}`);
    if (user.uid !== undefined) {
      // The kernel's view of the running process: real and effective uid are the image's USER.
      const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      deepStrictEqual([Number(uids?.[1]), Number(uids?.[2])], [user.uid, user.uid]);
    }
    const exited = new Promise<number | null>((resolve) => {
      child!.on('exit', (code) => {
        resolve(code);
      });
    });
    child.kill('SIGTERM');
    deepStrictEqual(await exited, 0);
  });
});
