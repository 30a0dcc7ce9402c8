/**
 * The noisy-neighbour rows of the bench table (bystander latency per hostile shape, the hostile
 * reviews' answer time and the server's peak RSS) and their targets: bystander p99 within 2× of the
 * quiet window under every shape, and RSS under the chart's 256 MiB memory limit. "Sent elsewhere"
 * is the same ratio while the hostile reviews went to another process: the machine's own share.
 */
import { skippedRow } from './report-cells.js';
import type { TargetResult } from './report.js';
import type { NoisyFigures } from './sections/noisy.js';

const ms = (n: number): string => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : '-');

/** The chart's memory limit (deploy/helm values resources.limits.memory). */
export const MEMORY_LIMIT_MIB = 256;

/** Rows (11 cells each, as the main table). */
export function noisyRows(n: NoisyFigures): string[][] {
  if ('skipped' in n) return [skippedRow('noisy', n.skipped)];
  return n.windows.map((w) => [
    'noisy',
    w.shape === 'quiet'
      ? `quiet: bystanders ${String(n.bystanderRate)}/s open loop, ${String(n.rounds * (n.windows.length - 1))} windows of ${String(n.windowMs / 1000)} s`
      : `${w.shape} at ${String(n.hostileRate)}/s (${String(w.hostileSent)} sent in ${String(n.rounds)} windows)`,
    '',
    ms(w.bystanders.p50),
    ms(w.bystanders.p99),
    ms(w.bystanders.max),
    '',
    '',
    w.peakRssMiB.toFixed(0),
    '',
    w.hostile === undefined
      ? 'p99.9 column: bystander max'
      : `p99 ${w.p99VsQuiet.toFixed(2)}× quiet (sent elsewhere ${w.elsewhereP99VsQuiet?.toFixed(2) ?? '-'}×, floor ${w.floorP99VsQuiet.toFixed(2)}×); hostile answered in ${ms(w.hostile.p50)} ms p50, ${ms(w.hostile.max)} max`,
  ]);
}

/** The section's targets. */
export function noisyTargets(n: NoisyFigures): TargetResult[] {
  if ('skipped' in n) return [];
  const hostile = n.windows.filter((w) => w.shape !== 'quiet');
  const worst = hostile.reduce((a, w) => (w.p99VsQuiet > a.p99VsQuiet ? w : a), hostile[0] ?? n.windows[0]!);
  const rss = Math.max(...n.windows.map((w) => w.peakRssMiB));
  return [
    {
      target: 'noisy neighbour: bystander p99 ≤ 2× quiet under each hostile shape',
      achieved: `worst ${worst.p99VsQuiet.toFixed(2)}× (${worst.shape})`,
      ratio: worst.p99VsQuiet / 2,
      verdict: worst.p99VsQuiet <= 2 ? 'PASS' : 'MISS',
    },
    {
      target: `noisy neighbour: server RSS < ${String(MEMORY_LIMIT_MIB)} MiB (the chart's memory limit)`,
      achieved: `peak ${rss.toFixed(0)} MiB`,
      ratio: rss / MEMORY_LIMIT_MIB,
      verdict: rss < MEMORY_LIMIT_MIB ? 'PASS' : 'MISS',
    },
  ];
}
