/**
 * The noisy-neighbour section: what bystanders see while one tenant sends hostile pods. The real
 * server (dist/) runs the hostile-pod policy set; bystanders send ordinary pod reviews open-loop at
 * a steady rate and every answer is checked (200, the required init container injected). For each
 * hostile shape, a quiet window (bystanders only) and then a window with that shape sent at a
 * steady rate beside the bystanders, in three rounds (one with --quick); a shape's figures pool its
 * windows, the quiet reference pools every quiet window. After each shape's window, one where the
 * same hostile reviews go to a bare server in another process while the bystanders stay: the share
 * of the shared CPUs alone ("sent elsewhere"). The hostile reviews are sent from a thread
 * of their own, started once and handed each body as bytes before its window, over keep-alive
 * connections as the API server calls a webhook: neither the sender's start-up nor encrypting a
 * 3 MB body runs on the bystanders' own client thread or inside a window's clock. Reported per
 * shape: the bystanders' p50/p99/max, the hostile reviews' answer time, and the server's peak RSS
 * (sampled from /proc every 50 ms). The same windows against the bare node:https floor (which
 * parses every body on its one thread, as a webhook without a large-review lane does) are the
 * reference.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { HOSTILE_SHAPES, NOISY_POLICIES, ordinaryPod } from '../../fixtures/hostile-pods.js';
import { podCreateReview } from '../../fixtures/review.js';
import type { CertFiles } from '../lib/certs.js';
import { Worker } from 'node:worker_threads';
import { ROOT, startFloor, startInjector, stopServer, type ServerUnderTest } from '../lib/servers.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface NoisyWindow {
  readonly shape: string;
  /** The bare floor's bystander p99 over its own quiet p99 under the same shape. */
  readonly floorP99VsQuiet: number;
  readonly bystanders: Summary;
  /** Bystander p99 over the quiet window's. */
  readonly p99VsQuiet: number;
  /**
   * Bystander p99 over the quiet figure while the same hostile reviews went to a bare server in
   * another process: what the shared CPUs alone cost (hostile shapes only).
   */
  readonly elsewhereP99VsQuiet?: number;
  readonly hostile: Summary | undefined;
  readonly hostileSent: number;
  readonly peakRssMiB: number;
}

export type NoisyFigures =
  | {
      readonly bystanderRate: number;
      readonly hostileRate: number;
      readonly windowMs: number;
      /** Windows of each shape, and quiet windows before each; their bystanders are pooled. */
      readonly rounds: number;
      readonly windows: readonly NoisyWindow[];
      readonly errors: number;
      readonly errorSamples: readonly string[];
    }
  | { readonly skipped: string };

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

function send(port: number, ca: Buffer, agent: Agent | false, body: string): Promise<Answer> {
  const start = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        ca,
        servername: 'localhost',
        method: 'POST',
        path: '/mutate',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - start,
          });
        });
      },
    );
    req.on('error', (e) => {
      resolve({ status: 0, body: e.message, ms: performance.now() - start });
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 30 s')));
    req.end(body);
  });
}

/** The bystander check: 200, allowed, and the required network-check in the patch. */
function bystanderProblem(a: Answer): string | undefined {
  if (a.status !== 200) return `status ${String(a.status)}: ${a.body.slice(0, 200)}`;
  const r = JSON.parse(a.body) as { response?: { allowed?: boolean; patch?: string } };
  const patch = Buffer.from(r.response?.patch ?? '', 'base64').toString('utf8');
  if (r.response?.allowed !== true || !patch.includes('"network-check"'))
    return `bystander not injected: ${a.body.slice(0, 200)}`;
  return undefined;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
  return Number(m?.[1] ?? Number.NaN) / 1024;
}

/** The Node.js flags the Helm chart runs the server with (values.yaml nodeOptions). */
export function chartNodeOptions(): string[] {
  const values = readFileSync(join(ROOT, 'deploy', 'helm', 'init-injector', 'values.yaml'), 'utf8');
  const line = /^nodeOptions:\s*(.+)$/m.exec(values)?.[1]?.trim() ?? '';
  return line
    .replace(/^['"]|['"]$/g, '')
    .split(/\s+/)
    .filter((x) => x !== '');
}

/** The glibc malloc settings the Helm chart's Deployment sets (MALLOC_* env entries). */
export function chartMallocEnv(): Record<string, string> {
  const template = readFileSync(join(ROOT, 'deploy', 'helm', 'init-injector', 'templates', 'deployment.yaml'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of template.matchAll(/- name: (MALLOC_\w+)\s+value: '([^']*)'/g)) env[m[1]!] = m[2]!;
  if (Object.keys(env).length === 0) throw new Error('no MALLOC_* variables in the deployment template of the chart');
  return env;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The hostile reviews' client: a thread of its own, started once for the section, so that neither
 * its start-up nor encrypting a 3 MB body ever runs on the bystanders' client thread. Each window's
 * body is handed over as bytes before the window begins (`load`); `run` sends it at `rate`/s for
 * `ms` over keep-alive connections, as the API server calls a webhook, and resolves with each
 * answer's time (-1: not 200).
 */
interface HostileSender {
  load(body: string): Promise<void>;
  run(port: number, rate: number, ms: number): Promise<number[]>;
  stop(): Promise<void>;
}

function hostileSender(ca: Buffer): HostileSender {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { Agent, request } = require('node:https');
    let body;
    const agents = new Map();
    const one = (port, ca, agent) => new Promise((resolve) => {
      const t = performance.now();
      const req = request({ host: '127.0.0.1', port, ca, servername: 'localhost', method: 'POST', path: '/mutate',
        agent, headers: { 'content-type': 'application/json', 'content-length': body.length },
        timeout: 30000 }, (res) => { res.resume(); res.on('end', () => { resolve(res.statusCode === 200 ? performance.now() - t : -1); }); });
      req.on('error', () => { resolve(-1); });
      req.on('timeout', () => req.destroy(new Error('no answer in 30 s')));
      req.end(body);
    });
    parentPort.on('message', async (m) => {
      if (m.type === 'load') { body = Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength); parentPort.postMessage('loaded'); return; }
      const { port, ca, rate, ms } = m;
      if (!agents.has(port)) agents.set(port, new Agent({ keepAlive: true, maxSockets: 4 }));
      const agent = agents.get(port);
      const pending = []; const start = performance.now(); let sent = 0;
      while (performance.now() - start < ms) {
        if (sent < ((performance.now() - start) * rate) / 1000 + 1) { sent++; pending.push(one(port, ca, agent)); }
        await new Promise((r) => setTimeout(r, 5));
      }
      parentPort.postMessage(await Promise.all(pending));
    });`;
  const w = new Worker(code, { eval: true });
  const next = <T>(): Promise<T> =>
    new Promise((resolve, reject) => {
      const onError = (e: Error): void => {
        reject(e);
      };
      w.once('error', onError);
      w.once('message', (m: T) => {
        w.off('error', onError);
        resolve(m);
      });
    });
  return {
    async load(body) {
      const done = next<string>();
      w.postMessage({ type: 'load', body: Buffer.from(body) });
      await done;
    },
    async run(port, rate, ms) {
      const done = next<number[]>();
      w.postMessage({ type: 'run', port, ca, rate, ms });
      return done;
    },
    async stop() {
      await w.terminate();
    },
  };
}

/** Runs the quiet window and one window per hostile shape. */
export async function runNoisy(
  cert: CertFiles,
  labelsFile: string,
  work: string,
  quick: boolean,
  log: (line: string) => void,
): Promise<NoisyFigures> {
  const dir = join(work, 'noisy-policies');
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(NOISY_POLICIES)) writeFileSync(join(dir, file), text);
  const ca = readFileSync(cert.cert);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const sender = hostileSender(ca);
  const bystanderRate = 200;
  const hostileRate = 2;
  const windowMs = quick ? 3000 : 5000;
  const rounds = quick ? 1 : 3;
  const errors: string[] = [];
  const bodies = Array.from({ length: 64 }, (_, i) =>
    JSON.stringify(
      podCreateReview(ordinaryPod(`bystander-${String(i)}`), { uid: `by-${String(i)}`, namespace: 'bench' }),
    ),
  );

  type Measured = Omit<NoisyWindow, 'p99VsQuiet' | 'floorP99VsQuiet' | 'elsewhereP99VsQuiet'>;
  interface Series {
    readonly windows: Measured[];
    /** Per shape: the bystanders while that shape's reviews went to the sink. */
    readonly elsewhere: ReadonlyMap<string, Measured>;
  }
  /** One window's raw figures: every bystander latency and every hostile answer time (-1: not 200). */
  interface Raw {
    readonly latencies: number[];
    readonly hostileTimes: number[];
    readonly peakRssMiB: number;
  }
  /**
   * One window; with `hostile`, the sender's loaded review goes to `hostileTo` (the server under
   * test unless said) beside the bystanders.
   */
  async function window(
    server: ServerUnderTest,
    shape: string,
    hostile: boolean,
    hostileTo: ServerUnderTest = server,
  ): Promise<Raw> {
    const checked = server.name === 'init-injector';
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    const hostileAnswers = hostile ? sender.run(hostileTo.port, hostileRate, windowMs) : Promise.resolve([]);
    let peak = rssMiB(server.pid);
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(server.pid));
    }, 50);
    const start = performance.now();
    let sentBystanders = 0;
    while (performance.now() - start < windowMs) {
      const now = performance.now() - start;
      while (sentBystanders < (now * bystanderRate) / 1000) {
        const body = bodies[sentBystanders++ & 63] as string;
        pending.push(
          send(server.port, ca, agent, body).then((a) => {
            const problem = checked ? bystanderProblem(a) : a.status === 200 ? undefined : `status ${String(a.status)}`;
            if (problem) errors.push(`${server.name} ${shape}: ${problem}`);
            latencies.push(a.ms);
          }),
        );
      }
      await sleep(2);
    }
    await Promise.all(pending);
    const hostileTimes = await hostileAnswers;
    clearInterval(sampler);
    if (checked && hostileTo === server && hostileTimes.some((t) => t < 0))
      errors.push(`${shape}: a hostile review was not answered with 200`);
    return { latencies, hostileTimes, peakRssMiB: peak };
  }

  /** The figures of the windows of one shape (or of every quiet window), pooled. */
  function pooled(shape: string, raws: readonly Raw[]): Measured {
    const times = raws.flatMap((r) => r.hostileTimes);
    return {
      shape,
      bystanders: summarize(raws.flatMap((r) => r.latencies)),
      hostile: times.length > 0 ? summarize(times) : undefined,
      hostileSent: times.length,
      peakRssMiB: Math.max(...raws.map((r) => r.peakRssMiB)),
    };
  }

  /**
   * `rounds` rounds, each a quiet window followed by a window of each shape in turn (quiet, shape,
   * quiet, shape...). A shape's figures pool the bystanders of its windows of every round, the
   * quiet figure those of every quiet window: one 8 s window's p99 moved by half from run to run on
   * a shared VM, and a single slow moment of the machine then decided a shape's ratio. With a
   * `sink`, each shape's window is followed by one where the same hostile reviews go to the sink (a
   * bare server in a process of its own that parses them) while the bystanders stay: what the
   * machine's shared CPUs alone cost the bystanders, without our server receiving those bodies.
   */
  async function series(server: ServerUnderTest, sink?: ServerUnderTest): Promise<Series> {
    await window(server, 'warm-up', false);
    const quiet: Raw[] = [];
    const names = Object.keys(HOSTILE_SHAPES);
    const byShape = new Map<string, Raw[]>(names.map((shape) => [shape, []]));
    const elsewhere = new Map<string, Raw[]>(names.map((shape) => [shape, []]));
    for (let round = 0; round < rounds; round++)
      for (const [shape, make] of Object.entries(HOSTILE_SHAPES)) {
        quiet.push(await window(server, 'quiet', false));
        await sender.load(JSON.stringify(podCreateReview(make(), { uid: 'hostile-1', namespace: 'bench' })));
        byShape.get(shape)?.push(await window(server, shape, true));
        if (sink) elsewhere.get(shape)?.push(await window(server, shape, true, sink));
      }
    return {
      windows: [pooled('quiet', quiet), ...[...byShape].map(([shape, raws]) => pooled(shape, raws))],
      elsewhere: new Map([...elsewhere].map(([shape, raws]) => [shape, pooled(shape, raws)])),
    };
  }

  let ourSeries: Series;
  let floorMeasured: Measured[];
  try {
    // The chart's memory settings: its NODE_OPTIONS flags, and its MALLOC_* variables in the environment.
    const malloc = chartMallocEnv();
    Object.assign(process.env, malloc);
    const ours = await startInjector(cert, dir, labelsFile, [], work, chartNodeOptions()).finally(() => {
      for (const name of Object.keys(malloc)) Reflect.deleteProperty(process.env, name);
    });
    try {
      const sink = await startFloor(cert, [], work);
      try {
        ourSeries = await series(ours, sink);
      } finally {
        await stopServer(sink);
      }
    } finally {
      await stopServer(ours);
    }
    const floor = await startFloor(cert, [], work);
    try {
      floorMeasured = (await series(floor)).windows;
    } finally {
      await stopServer(floor);
    }
  } finally {
    agent.destroy();
    await sender.stop();
  }
  const measured = ourSeries.windows;
  const quiet = measured[0]!;
  const floorQuiet = floorMeasured[0]!;
  const windows = measured.map((w, i) => {
    const elsewhere = ourSeries.elsewhere.get(w.shape);
    return {
      ...w,
      p99VsQuiet: w.bystanders.p99 / quiet.bystanders.p99,
      floorP99VsQuiet: (floorMeasured[i]?.bystanders.p99 ?? Number.NaN) / floorQuiet.bystanders.p99,
      ...(elsewhere ? { elsewhereP99VsQuiet: elsewhere.bystanders.p99 / quiet.bystanders.p99 } : {}),
    };
  });
  for (const w of windows)
    log(
      `bench: noisy: ${w.shape}: bystander p99 ${w.bystanders.p99.toFixed(2)} ms (${w.p99VsQuiet.toFixed(2)}× quiet; sent elsewhere ${w.elsewhereP99VsQuiet?.toFixed(2) ?? '-'}×; floor ${w.floorP99VsQuiet.toFixed(2)}×), hostile p50 ${w.hostile?.p50.toFixed(0) ?? '-'} ms, RSS ${w.peakRssMiB.toFixed(0)} MiB`,
    );
  return {
    bystanderRate,
    hostileRate,
    windowMs,
    rounds,
    windows,
    errors: errors.length,
    errorSamples: errors.slice(0, 5),
  };
}
