/**
 * The one table the bench prints (and the performance targets of docs/performance.md, each PASS/MISS
 * with its ratio).
 * Timing targets live here, never in tests.
 */
import type { EngineFigures } from './engine/types.js';
import type { RunFigures } from './lib/load.js';
import { apiServerRows } from './report-apiserver.js';
import { noteRow, skippedRow } from './report-cells.js';
import { noisyRows, noisyTargets } from './report-noisy.js';
import { statusRows, statusTargets } from './report-status.js';
import type { ApiServerFigures } from './sections/apiserver.js';
import type { NoisyFigures } from './sections/noisy.js';
import type { StatusFigures } from './sections/status.js';
import type { ScenarioFigures } from './sections/server.js';

/** A performance target and how this run did against it. */
export interface TargetResult {
  readonly target: string;
  readonly achieved: string;
  /** achieved / limit (≤ 1 passes for "at most" targets; ≥ 1 for "at least" ones is shown inverted). */
  readonly ratio: number;
  readonly verdict: 'PASS' | 'MISS' | 'n/a';
}

/** Everything one run measured. */
export interface BenchReport {
  readonly engine: readonly EngineFigures[] | { readonly skipped: string };
  readonly keepAlive: readonly ScenarioFigures[];
  readonly fresh: readonly ScenarioFigures[];
  readonly apiserver: ApiServerFigures;
  readonly noisy: NoisyFigures;
  readonly status: StatusFigures;
}

const f = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const ms = (n: number): string => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : '-');

/** Computes the targets from the report. */
export function targets(r: BenchReport): TargetResult[] {
  const out: TargetResult[] = [];
  const main = r.keepAlive.find((s) => s.scenario.id === 'closed-c8-10k');
  if (main !== undefined) {
    const thr = main.injector.rps / main.floor.rps;
    const cpu = main.injector.cpuUsPerRequest / main.floor.cpuUsPerRequest;
    out.push({
      target: 'server throughput ≥ 0.8× floor (10 policies, 10 KB, 8 conns)',
      achieved: `${f(thr, 2)}× floor`,
      ratio: thr / 0.8,
      verdict: thr >= 0.8 ? 'PASS' : 'MISS',
    });
    out.push({
      target: 'server CPU/request ≤ 1.25× floor (same load)',
      achieved: `${f(cpu, 2)}× floor`,
      ratio: cpu / 1.25,
      verdict: cpu <= 1.25 ? 'PASS' : 'MISS',
    });
  }
  if (Array.isArray(r.engine)) {
    const e = r.engine as readonly EngineFigures[];
    const ten = e.find((x) => x.policies === 10);
    const thousand = e.find((x) => x.policies === 1000);
    if (ten !== undefined) {
      out.push({
        target: 'engine median ≤ 50 µs with 10 policies',
        achieved: `${f(ten.medianUs, 1)} µs`,
        ratio: ten.medianUs / 50,
        verdict: ten.medianUs <= 50 ? 'PASS' : 'MISS',
      });
    }
    if (ten !== undefined && thousand !== undefined) {
      const x = thousand.medianUs / ten.medianUs;
      out.push({
        target: 'engine 1000 policies ≤ 3× the cost of 10',
        achieved: `${f(x, 2)}×`,
        ratio: x / 3,
        verdict: x <= 3 ? 'PASS' : 'MISS',
      });
    }
  }
  const open = r.keepAlive.find((s) => s.scenario.id === 'open-2000-10k');
  if (open !== undefined) {
    const p99 = open.injector.latency.p99;
    out.push({
      target: 'p99 ≤ 5 ms at 2000 req/s open loop',
      achieved: `${ms(p99)} ms (floor ${ms(open.floor.latency.p99)} ms)`,
      ratio: p99 / 5,
      verdict: p99 <= 5 ? 'PASS' : 'MISS',
    });
  }
  if ('skipped' in r.apiserver) {
    out.push({
      target: 'webhook overhead on pod create ≤ 2 ms at p50',
      achieved: 'skipped',
      ratio: Number.NaN,
      verdict: 'n/a',
    });
  } else {
    const o = r.apiserver.overheadP50Ms;
    out.push({
      target: 'webhook overhead on pod create ≤ 2 ms at p50',
      achieved: `${ms(o)} ms`,
      ratio: o / 2,
      verdict: o <= 2 ? 'PASS' : 'MISS',
    });
  }
  out.push(...noisyTargets(r.noisy));
  out.push(...statusTargets(r.status));
  return out;
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
}

function serverCells(section: string, label: string, r: RunFigures, floor: RunFigures | undefined): string[] {
  const vs =
    floor === undefined ? '' : `${f(r.rps / floor.rps, 2)} / ${f(r.cpuUsPerRequest / floor.cpuUsPerRequest, 2)}`;
  const gc = r.gc === undefined ? '-' : ms(r.gc.maxMs);
  return [
    section,
    label,
    f(r.rps),
    ms(r.latency.p50),
    ms(r.latency.p99),
    ms(r.latency.p999),
    f(r.cpuUsPerRequest),
    f(r.serverCores, 2),
    f(r.peakRssMiB),
    gc,
    vs,
  ];
}

/** Renders the table as text (markdown-compatible). */
export function renderTable(r: BenchReport, t: readonly TargetResult[]): string {
  const head = [
    'section',
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'CPU µs/req',
    'srv cores',
    'RSS MiB',
    'GC max ms',
    'vs floor thr/cpu',
  ];
  const rows: string[][] = [];
  if (Array.isArray(r.engine)) {
    for (const e of r.engine as readonly EngineFigures[]) {
      rows.push([
        'engine',
        `${e.policies} policies (${e.candidates} cand., ${e.injected} inj.): wall median/p99, CPU mean, alloc`,
        f(1e6 / e.meanUs),
        `${f(e.medianUs, 1)}µs`,
        `${f(e.p99Us, 1)}µs`,
        '',
        `${f(e.cpuMeanUs, 1)}µs`,
        '',
        '',
        '',
        `${f(e.allocBytesPerOp / 1024, 1)} KB/op, +${f(e.retainedBytes / 1024)} KB kept`,
      ]);
    }
  } else {
    rows.push(skippedRow('engine', (r.engine as { skipped: string }).skipped));
  }
  for (const s of [...r.keepAlive, ...r.fresh]) {
    const kb = f(s.injector.bodyBytes / 1024, 1);
    const what =
      s.scenario.mode === 'open'
        ? `open ${s.scenario.rate}/s`
        : s.scenario.mode === 'fresh'
          ? `new TLS conn/req c=${s.scenario.connections} ${s.cert}`
          : `closed c=${s.scenario.connections}`;
    rows.push(serverCells('server', `${what}, ${kb} KB`, s.injector, s.floor));
    rows.push(serverCells('  floor', `${what}, ${kb} KB`, s.floor, undefined));
  }
  rows.push(...apiServerRows(r.apiserver));
  rows.push(...noisyRows(r.noisy));
  rows.push(...statusRows(r.status));
  for (const x of t) rows.push(noteRow(`TARGET ${x.verdict}`, x.target, `${x.achieved} (${f(x.ratio, 2)} of limit)`));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((c) => c[i]!.length)));
  const lines = [
    row(head, widths),
    `|${widths.map((w, i) => (i < 2 ? ':' : '-') + '-'.repeat(w) + (i < 2 ? '-' : ':')).join('|')}|`,
  ];
  for (const c of rows) lines.push(row(c, widths));
  return lines.join('\n');
}
