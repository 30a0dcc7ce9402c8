/**
 * Where an admission's time goes, from both ends of the call:
 *  - our server's own time per admission: the `ms` field of its one log line per admission
 *    (src/server/recorder.ts: from the handler's first line to the response written, body read
 *    included), read from the log written during the measured window only (by byte offset); the
 *    floor logs the same span with FLOOR_LOG_MS=1, as the reference;
 *  - the API server's time per webhook call (serialize, TLS round trip, wait, decode), from its
 *    `apiserver_admission_webhook_admission_duration_seconds` histogram by webhook name, as a
 *    difference of sum and count across the window (its buckets are too coarse for percentiles).
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import type { ControlPlane } from '../../test/e2e/harness/controlplane.js';

/** Size of a file now: the offset a later read starts from. */
export function logOffset(file: string): number {
  return statSync(file).size;
}

/** One admission as a server logged it. */
export interface LoggedAdmission {
  readonly ms: number;
  /** Our server's `result` (patched, allowed, …); undefined for the floor. */
  readonly result?: string;
}

/** Admissions logged to `file` after byte `from` (for `namespace` only, when given: ours logs `ns`). */
export function admissionsSince(file: string, from: number, namespace?: string): LoggedAdmission[] {
  const size = statSync(file).size;
  const buf = Buffer.alloc(Math.max(0, size - from));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, from);
  } finally {
    closeSync(fd);
  }
  return admissionsOf(buf.toString('utf8'), namespace);
}

/** Pure part of admissionsSince: JSON lines with a numeric `ms` (and `ns` === namespace when given). */
export function admissionsOf(text: string, namespace?: string): LoggedAdmission[] {
  const out: LoggedAdmission[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // a line cut at the read boundary, or not ours
    }
    const e = entry as { ns?: unknown; ms?: unknown; result?: unknown };
    if (typeof e.ms !== 'number' || (namespace !== undefined && e.ns !== namespace)) continue;
    out.push(typeof e.result === 'string' ? { ms: e.ms, result: e.result } : { ms: e.ms });
  }
  return out;
}

/** Sum (seconds) and count of a histogram, per webhook name. */
export type WebhookTotals = ReadonlyMap<string, { readonly sum: number; readonly count: number }>;

const METRIC = 'apiserver_admission_webhook_admission_duration_seconds';

/** Pure part of apiServerWebhookTotals: reads the histogram's _sum and _count lines per `name` label. */
export function webhookTotalsOf(text: string): WebhookTotals {
  const totals = new Map<string, { sum: number; count: number }>();
  const re = new RegExp(`^${METRIC}_(sum|count)\\{([^}]*)\\} (\\S+)$`);
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m === null) continue;
    const name = /(?:^|,)name="([^"]*)"/.exec(m[2]!)?.[1];
    const value = Number(m[3]);
    if (name === undefined || !Number.isFinite(value)) continue;
    const t = totals.get(name) ?? { sum: 0, count: 0 };
    if (m[1] === 'sum') t.sum += value;
    else t.count += value;
    totals.set(name, t);
  }
  return totals;
}

/** The API server's webhook-call histogram totals now (kubectl get --raw /metrics). */
export async function apiServerWebhookTotals(cp: ControlPlane): Promise<WebhookTotals> {
  const r = await cp.kubectl(['get', '--raw', '/metrics']);
  if (r.code !== 0) throw new Error(`kubectl get --raw /metrics exited ${String(r.code)}: ${r.stderr.slice(0, 300)}`);
  return webhookTotalsOf(r.stdout);
}

/** Calls and mean ms per call of one webhook between two scrapes. */
export function callsBetween(
  before: WebhookTotals,
  after: WebhookTotals,
  name: string,
): { readonly calls: number; readonly meanMs: number } {
  const a = before.get(name) ?? { sum: 0, count: 0 };
  const b = after.get(name) ?? { sum: 0, count: 0 };
  const calls = b.count - a.count;
  return { calls, meanMs: calls > 0 ? ((b.sum - a.sum) / calls) * 1000 : Number.NaN };
}
