/**
 * Closed-loop keep-alive load with autocannon (a maintained load generator): N connections, each
 * sends the next AdmissionReview as soon as it has the previous answer. Every response is checked;
 * latencies are taken from autocannon's per-response duration (float ms, not its 1 ms histogram).
 */
import autocannon from 'autocannon';
import type { ErrorTally } from '../lib/check.js';
import type { ReviewPool } from '../lib/pod.js';
import type { MeasureWindow } from './window.js';

/** Runs autocannon for warm-up + duration; records latencies and counts responses while the window is open. */
export async function runClosed(
  port: number,
  connections: number,
  pool: ReviewPool,
  expectInitContainers: number,
  warmupMs: number,
  durationMs: number,
  tally: ErrorTally,
  window: MeasureWindow,
): Promise<{ latencies: number[]; inWindow: number }> {
  const bodies = pool.bodies.map((b) => Buffer.from(b));
  const latencies: number[] = [];
  let next = 0;
  let inWindow = 0;
  const instance = autocannon({
    url: `https://127.0.0.1:${port}/mutate?timeout=10s`,
    method: 'POST',
    connections,
    pipelining: 1,
    timeout: 10,
    duration: (warmupMs + durationMs + 400) / 1000,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req: autocannon.Request, context: object) => {
          const i = next++ % bodies.length;
          (context as { i?: number }).i = i;
          req.body = bodies[i]!;
          return req;
        },
        onResponse: (status: number, body: string, context: object) => {
          const i = (context as { i?: number }).i ?? 0;
          tally.record(status, body, { uid: pool.uids[i]!, pod: pool.pod, expectInitContainers });
        },
      },
    ],
    setupClient: (client: autocannon.Client) => {
      client.on('response', (_status: number, _bytes: number, duration: number) => {
        if (!window.open) return;
        inWindow += 1;
        latencies.push(duration);
      });
    },
  });
  const begin = setTimeout(() => {
    window.begin();
  }, warmupMs);
  const end = setTimeout(() => window.end(), warmupMs + durationMs);
  const result = await instance;
  clearTimeout(begin);
  clearTimeout(end);
  window.end();
  // Connection errors and timeouts never reach onResponse: count each of them here.
  // (non-2xx answers did reach it and were counted there.)
  if (result.errors > 0) tally.fail(`autocannon: ${result.errors} connection errors`, result.errors);
  if (result.timeouts > 0) tally.fail(`autocannon: ${result.timeouts} timeouts`, result.timeouts);
  return { latencies, inWindow };
}
