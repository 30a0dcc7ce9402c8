/**
 * The `status` row of the bench table (one report over N pods of the real API server: wall time,
 * peak RSS, time per pod) and its targets: 10,000 pods in at most 60 s and 512 MiB, so that a cron
 * job or a CI step can run it on a large cluster with a small memory limit.
 */
import { noteRow, skippedRow } from './report-cells.js';
import type { TargetResult } from './report.js';
import type { StatusFigures } from './sections/status.js';

export const STATUS_SECONDS_LIMIT = 60;
export const STATUS_RSS_LIMIT_MIB = 512;

/** Rows (11 cells each, as the main table). */
export function statusRows(s: StatusFigures): string[][] {
  if ('skipped' in s) return [skippedRow('status', s.skipped)];
  const counted = `counted ${String(s.counted.current)} current, ${String(s.counted.outdated)} outdated, ${String(s.counted.missing)} missing`;
  return [
    noteRow(
      'status',
      `${String(s.pods)} pods, ${String(s.workloads)} workloads (created at ${s.createPerSecond.toFixed(0)}/s)`,
      `${s.seconds.toFixed(1)} s wall, ${s.usPerPod.toFixed(0)} µs/pod; ${counted}`,
      s.maxRssMiB.toFixed(0),
    ),
  ];
}

/** The section's targets, scaled to 10,000 pods when the run used fewer (quick). */
export function statusTargets(s: StatusFigures): TargetResult[] {
  if ('skipped' in s) return [];
  const at10k = (s.seconds * 10_000) / s.pods;
  return [
    {
      target: `status on 10,000 pods ≤ ${String(STATUS_SECONDS_LIMIT)} s`,
      achieved: `${at10k.toFixed(1)} s${s.pods === 10_000 ? '' : ` (from ${String(s.pods)} pods)`}`,
      ratio: at10k / STATUS_SECONDS_LIMIT,
      verdict: at10k <= STATUS_SECONDS_LIMIT ? 'PASS' : 'MISS',
    },
    {
      target: `status peak RSS ≤ ${String(STATUS_RSS_LIMIT_MIB)} MiB`,
      achieved: `${s.maxRssMiB.toFixed(0)} MiB at ${String(s.pods)} pods`,
      ratio: s.maxRssMiB / STATUS_RSS_LIMIT_MIB,
      verdict: s.maxRssMiB <= STATUS_RSS_LIMIT_MIB ? 'PASS' : 'MISS',
    },
  ];
}
