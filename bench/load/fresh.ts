/**
 * Rollout-storm load: N concurrent loops, each request on a brand-new TLS connection (agent: false,
 * so no keep-alive and no session cache: a full handshake every time), as when the API server
 * re-dials every connection.
 */
import type { ErrorTally } from '../lib/check.js';
import type { ReviewPool } from '../lib/pod.js';
import { post } from './https-client.js';
import type { MeasureWindow } from './window.js';

/** Closed loop of `connections` workers, each opening a new connection per request. */
export async function runFresh(
  port: number,
  ca: Buffer,
  connections: number,
  pool: ReviewPool,
  expectInitContainers: number,
  warmupMs: number,
  durationMs: number,
  tally: ErrorTally,
  window: MeasureWindow,
): Promise<{ latencies: number[]; inWindow: number; resumed: number }> {
  const bodies = pool.bodies.map((b) => Buffer.from(b));
  const latencies: number[] = [];
  const t0 = performance.now();
  const stopAt = t0 + warmupMs + durationMs;
  let next = 0;
  let inWindow = 0;
  let resumed = 0;
  const begin = setTimeout(() => {
    window.begin();
  }, warmupMs);

  const loop = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      const k = next++ % bodies.length;
      const start = performance.now();
      const a = await post(port, ca, false, bodies[k]!);
      if (a.error !== undefined) tally.fail(a.error);
      else tally.record(a.status, a.body, { uid: pool.uids[k]!, pod: pool.pod, expectInitContainers });
      if (a.resumed) resumed += 1;
      if (window.open && performance.now() < stopAt) {
        inWindow += 1;
        latencies.push(performance.now() - start);
      }
    }
  };
  const end = setTimeout(() => window.end(), warmupMs + durationMs);
  await Promise.all(Array.from({ length: connections }, loop));
  clearTimeout(begin);
  clearTimeout(end);
  window.end();
  return { latencies, inWindow, resumed };
}
