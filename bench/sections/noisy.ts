/**
 * The noisy-neighbour section: what bystanders see while one tenant sends hostile pods. The real
 * server (dist/) runs the hostile-pod policy set; bystanders send ordinary pod reviews open-loop at
 * a steady rate and every answer is checked (200, the required init container injected). First a
 * quiet window (bystanders only), then one window per hostile shape, with that shape sent at a
 * steady rate beside the bystanders. Reported per window: the bystanders' p50/p99/max, the hostile
 * reviews' answer time, and the server's peak RSS (sampled from /proc every 50 ms).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { HOSTILE_SHAPES, NOISY_POLICIES, ordinaryPod } from '../../test/support/hostile-pods.js';
import { podCreateReview } from '../../test/support/review.js';
import type { CertFiles } from '../lib/certs.js';
import { startInjector, stopServer } from '../lib/servers.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface NoisyWindow {
  readonly shape: string;
  readonly bystanders: Summary;
  /** Bystander p99 over the quiet window's. */
  readonly p99VsQuiet: number;
  readonly hostile: Summary | undefined;
  readonly hostileSent: number;
  readonly peakRssMiB: number;
}

export type NoisyFigures =
  | {
      readonly bystanderRate: number;
      readonly hostileRate: number;
      readonly windowMs: number;
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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
  const server = await startInjector(cert, dir, labelsFile, [], work);
  const ca = readFileSync(cert.cert);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const bystanderRate = 200;
  const hostileRate = 2;
  const windowMs = quick ? 3000 : 8000;
  const errors: string[] = [];
  const bodies = Array.from({ length: 64 }, (_, i) =>
    JSON.stringify(
      podCreateReview(ordinaryPod(`bystander-${String(i)}`), { uid: `by-${String(i)}`, namespace: 'bench' }),
    ),
  );

  async function window(shape: string, hostileBody: string | undefined): Promise<Omit<NoisyWindow, 'p99VsQuiet'>> {
    const latencies: number[] = [];
    const hostile: number[] = [];
    const pending: Promise<void>[] = [];
    let peak = rssMiB(server.pid);
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(server.pid));
    }, 50);
    const start = performance.now();
    let sentBystanders = 0;
    let sentHostile = 0;
    while (performance.now() - start < windowMs) {
      const now = performance.now() - start;
      while (sentBystanders < (now * bystanderRate) / 1000) {
        const body = bodies[sentBystanders++ & 63] as string;
        pending.push(
          send(server.port, ca, agent, body).then((a) => {
            const problem = bystanderProblem(a);
            if (problem) errors.push(`${shape}: ${problem}`);
            latencies.push(a.ms);
          }),
        );
      }
      if (hostileBody !== undefined && sentHostile < (now * hostileRate) / 1000 + 1) {
        sentHostile++;
        pending.push(
          send(server.port, ca, false, hostileBody).then((a) => {
            if (a.status !== 200) errors.push(`${shape}: hostile review answered ${String(a.status)}`);
            hostile.push(a.ms);
          }),
        );
      }
      await sleep(2);
    }
    await Promise.all(pending);
    clearInterval(sampler);
    return {
      shape,
      bystanders: summarize(latencies),
      hostile: hostile.length > 0 ? summarize(hostile) : undefined,
      hostileSent: sentHostile,
      peakRssMiB: peak,
    };
  }

  try {
    await window('warm-up', undefined);
    const quiet = await window('quiet', undefined);
    const windows: NoisyWindow[] = [{ ...quiet, p99VsQuiet: 1 }];
    log(`bench: noisy: quiet p99 ${quiet.bystanders.p99.toFixed(2)} ms`);
    for (const [shape, make] of Object.entries(HOSTILE_SHAPES)) {
      const body = JSON.stringify(podCreateReview(make(), { uid: 'hostile-1', namespace: 'bench' }));
      const w = await window(shape, body);
      windows.push({ ...w, p99VsQuiet: w.bystanders.p99 / quiet.bystanders.p99 });
      log(
        `bench: noisy: ${shape}: bystander p99 ${w.bystanders.p99.toFixed(2)} ms (${(w.bystanders.p99 / quiet.bystanders.p99).toFixed(2)}× quiet), hostile p50 ${w.hostile?.p50.toFixed(0) ?? '-'} ms, RSS ${w.peakRssMiB.toFixed(0)} MiB`,
      );
    }
    return { bystanderRate, hostileRate, windowMs, windows, errors: errors.length, errorSamples: errors.slice(0, 5) };
  } finally {
    agent.destroy();
    await stopServer(server);
  }
}
