/**
 * The API-server rows of the bench table: pod-create latency per namespace kind, then the split of
 * our overhead (signed differences in the p50 and p99 columns), our server's own time per call and
 * the API server's own timing of each webhook call.
 */
import { skippedRow } from './report-cells.js';
import type { Delta } from './lib/apiserver-figures.js';
import type { Summary } from './lib/stats.js';
import type { ApiServerFigures } from './sections/apiserver.js';

const ms = (n: number): string => (Number.isFinite(n) ? (Math.abs(n) < 10 ? n.toFixed(2) : n.toFixed(1)) : '-');
const signed = (n: number): string => `${n >= 0 ? '+' : ''}${ms(n)}`;
const cells = (section: string, label: string, p50: string, p99: string, p999: string, note: string): string[] => [
  section,
  label,
  '',
  p50,
  p99,
  p999,
  '',
  '',
  '',
  '',
  note,
];

/** Rows (11 cells each, as the main table) for the section's figures. */
export function apiServerRows(a: ApiServerFigures): string[][] {
  if ('skipped' in a) return [skippedRow('apiserver', a.skipped)];
  const none = a.withoutWebhook;
  const latency = (label: string, s: Summary, note: string): string[] => {
    const vs = s === none ? '' : `${signed(s.p50 - none.p50)} ms p50, ${signed(s.p99 - none.p99)} ms p99 vs none`;
    return cells('apiserver', label, ms(s.p50), ms(s.p99), ms(s.p999), [vs, note].filter((x) => x !== '').join('; '));
  };
  const split = (label: string, d: Delta | null): string[] =>
    d === null
      ? cells('  overhead', label, '-', '-', '', 'not run')
      : cells('  overhead', label, signed(d.p50Ms), signed(d.p99Ms), '', '');
  const view = a.apiServerView;
  const seen = (v: { callsPerPod: number; meanMs: number } | null): string =>
    v === null ? '' : `API server times ${ms(v.meanMs)} ms/call mean, ${v.callsPerPod.toFixed(2)} calls/pod`;
  const d = a.decomposition;
  const rows = [
    latency(
      `pod create ${a.ratePerSecond}/s in each of 4 namespaces, ${a.pods} pods each (k8s ${a.version}, not pinned): init-injector (IfNeeded)`,
      a.withWebhook,
      seen(view.ours),
    ),
    latency('  floor webhook, allowed without patch (IfNeeded)', a.floorWebhook, seen(view.floor)),
  ];
  if (a.floorPatchWebhook !== null)
    rows.push(latency('  floor webhook, answers our patch (Never)', a.floorPatchWebhook, seen(view.floorPatch)));
  rows.push(
    latency('  no webhook', none, ''),
    split('total: init-injector − no webhook', d.total),
    split('  calling any webhook: floor without patch − no webhook', d.anyWebhookCall),
    split('  applying our patch: floor with our patch − floor without', d.applyingPatch),
    split('  the rest (2nd IfNeeded call, our server): init-injector − floor with our patch', d.beyondPatchFloor),
    split('  beyond the cheapest webhook: init-injector − floor without patch', d.beyondFloor),
    cells(
      '  overhead',
      `our server's own time per call (its log), ${a.server.callsPerPod.toFixed(2)} calls/pod`,
      ms(a.server.msPerCall.p50),
      ms(a.server.msPerCall.p99),
      ms(a.server.msPerCall.p999),
      `× calls/pod = ${ms(d.ourServerPerPod.p50Ms)} ms p50, ${ms(d.ourServerPerPod.p99Ms)} ms p99 per pod; ` +
        `beyond the floor's own time: ${signed(d.ourServerBeyondFloorPerPod.p50Ms)} ms p50 per pod`,
    ),
  );
  for (const [result, x] of Object.entries(a.server.byResult))
    rows.push(
      cells(
        '  overhead',
        `  our server, calls answered ${result}${result === 'patched' ? ' (1st call)' : result === 'allowed' ? ' (IfNeeded re-call)' : ''}`,
        ms(x.p50),
        ms(x.p99),
        ms(x.p999),
        `${String(x.n)} calls`,
      ),
    );
  const floorOwn = (label: string, x: Summary | null): void => {
    if (x !== null)
      rows.push(
        cells('  overhead', label, ms(x.p50), ms(x.p99), ms(x.p999), `${String(x.n)} calls; same span, for reference`),
      );
  };
  floorOwn("  the floor's own time per call, no patch", a.server.floorMsPerCall);
  floorOwn("  the floor's own time per call, our patch", a.server.floorPatchMsPerCall);
  return rows;
}
