/**
 * A load-generator process (pinned to its own core by the orchestrator): reads one LoadConfig as
 * JSON from argv[2], runs it against the server, and prints one LoadResult as JSON on the last line
 * of stdout. Exits 0 even when responses were wrong: the orchestrator decides what errors mean.
 */
import { readFileSync } from 'node:fs';
import { ErrorTally } from '../lib/check.js';
import { podForReviewSize, reviewPool } from '../lib/pod.js';
import { summarize } from '../lib/stats.js';
import { runClosed } from './closed.js';
import { runFresh } from './fresh.js';
import { runOpen } from './open.js';
import type { LoadConfig, LoadResult } from './types.js';
import { MeasureWindow } from './window.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;
const pool = reviewPool(podForReviewSize(cfg.reviewBytes), 64, cfg.port);
const tally = new ErrorTally();
const window = new MeasureWindow(cfg.serverPid);
const ca = readFileSync(cfg.caFile);
const args = [pool, cfg.expectInitContainers, cfg.warmupMs, cfg.durationMs, tally, window] as const;

let latencies: number[];
let inWindow: number;
let extra: Partial<LoadResult> = {};
if (cfg.mode === 'closed') {
  ({ latencies, inWindow } = await runClosed(cfg.port, cfg.connections, ...args));
} else if (cfg.mode === 'open') {
  const r = await runOpen(cfg.port, ca, cfg.rate, ...args);
  ({ latencies, inWindow } = r);
  extra = { offeredRps: r.offeredRps, unanswered: r.unanswered, sendLateP99Ms: r.sendLateP99Ms };
} else {
  const r = await runFresh(cfg.port, ca, cfg.connections, ...args);
  ({ latencies, inWindow } = r);
  extra = { resumedSessions: r.resumed };
  if (r.resumed > 0) tally.fail(`${r.resumed} TLS sessions were resumed; this mode must do full handshakes`);
}
const w = window.end();
const s = summarize(latencies);
const result: LoadResult = {
  mode: cfg.mode,
  requests: inWindow,
  windowSeconds: w.seconds,
  rps: inWindow / w.seconds,
  latency: { p50: s.p50, p99: s.p99, p999: s.p999, max: s.max },
  serverCpuSeconds: w.serverCpuSeconds,
  cpuUsPerRequest: inWindow > 0 ? (w.serverCpuSeconds * 1e6) / inWindow : Number.NaN,
  serverCores: w.serverCpuSeconds / w.seconds,
  clientCores: w.clientCores,
  peakRssMiB: w.peakRssMiB,
  peakRssReset: w.peakRssReset,
  bodyBytes: pool.bytes,
  checked: tally.checked,
  errors: tally.count,
  errorSamples: tally.samples,
  windowStart: w.start,
  windowEnd: w.end,
  windowMonoStartUs: w.monoStartUs,
  windowMonoEndUs: w.monoEndUs,
  ...extra,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
