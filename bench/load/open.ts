/**
 * Open-loop load at a fixed arrival rate over a keep-alive pool (like the API server's transport:
 * idle connections reused, more dialled when all are busy, up to 64; raw-pool.ts keeps the client
 * cheap enough not to be the bottleneck at 2000 req/s). Request i is due at t0 + i/rate; its latency is
 * measured from that due time, not from when a socket became free, so queueing shows up in the
 * figures instead of silently lowering the rate (no coordinated omission).
 */
import type { ErrorTally } from '../lib/check.js';
import type { ReviewPool } from '../lib/pod.js';
import { summarize } from '../lib/stats.js';
import { mutateRequest, RawPool } from './raw-pool.js';
import type { MeasureWindow } from './window.js';

/**
 * Sends at `rate` req/s for warm-up + duration. Latencies: requests due inside the window; throughput
 * and CPU: responses completed while the window is open (until the window's requests are answered).
 */
export async function runOpen(
  port: number,
  ca: Buffer,
  rate: number,
  pool: ReviewPool,
  expectInitContainers: number,
  warmupMs: number,
  durationMs: number,
  tally: ErrorTally,
  window: MeasureWindow,
): Promise<{ latencies: number[]; inWindow: number; offeredRps: number; unanswered: number; sendLateP99Ms: number }> {
  const conns = new RawPool(port, ca, 64);
  const requests = pool.bodies.map((b) => mutateRequest(port, Buffer.from(b)));
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  /** Due times of requests inside the window that have not been answered yet. */
  const outstanding = new Set<number>();
  let abandoned = false;
  /** How late the client sent each request of the window (ms). */
  const late: number[] = [];
  const interval = 1000 / rate;
  const total = Math.round(((warmupMs + durationMs) / 1000) * rate);
  const t0 = performance.now();
  let sent = 0;
  let sentInWindow = 0;
  let inWindow = 0;

  const fire = (i: number): void => {
    const due = t0 + i * interval;
    const counted = due >= t0 + warmupMs && due < t0 + warmupMs + durationMs;
    if (counted) {
      sentInWindow += 1;
      outstanding.add(due);
    }
    if (counted) late.push(performance.now() - due);
    const k = i % requests.length;
    pending.push(
      conns.send(requests[k]!).then((a) => {
        if (abandoned) return; // destroyed by us after the cut-off: counted as unanswered instead
        if (a.error !== undefined) tally.fail(a.error);
        else tally.record(a.status, a.body, { uid: pool.uids[k]!, pod: pool.pod, expectInitContainers });
        if (window.open) inWindow += 1;
        if (counted && outstanding.delete(due)) latencies.push(performance.now() - due);
      }),
    );
  };

  // The window opens after the warm-up and closes once the window's requests are answered (or cut
  // off): CPU over that span divided by the answers completed in it, so an overloaded server's
  // backlog is neither counted without its CPU nor its CPU without its answers.
  const begin = setTimeout(() => {
    window.begin();
  }, warmupMs);
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && t0 + sent * interval <= now) fire(sent++);
      if (sent >= total) {
        resolve();
        return;
      }
      // Wake up at the next due time with a timer (1 ms granularity): spinning on setImmediate to hit
      // sub-millisecond due times made the client burn a core. A request sent up to ~1 ms late still
      // has its latency measured from its due time, so the slop counts against the server (reported
      // as sendLateMs so it can be told apart).
      const wait = t0 + sent * interval - performance.now();
      setTimeout(tick, Math.max(1, Math.floor(wait)));
    };
    tick();
  });
  // An overloaded server could take minutes to drain its backlog: wait at most 3 s, then count every
  // request still unanswered with the time it has waited so far (a lower bound: p99 only gets better
  // by the cut-off, never hides it). The tally still checks those answers if they arrive.
  const cutoff = new Promise<void>((r) => setTimeout(r, 3000).unref());
  await Promise.race([Promise.all(pending), cutoff]);
  const now = performance.now();
  for (const due of outstanding) latencies.push(now - due);
  const unanswered = outstanding.size;
  abandoned = true;
  outstanding.clear();
  clearTimeout(begin);
  window.end();
  conns.close();
  return {
    latencies,
    inWindow,
    offeredRps: sentInWindow / (durationMs / 1000),
    unanswered,
    sendLateP99Ms: summarize(late).p99,
  };
}
