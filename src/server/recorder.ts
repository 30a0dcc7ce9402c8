/**
 * Observes each admission outside the engine, which stays pure: one JSON log line (pino) and the
 * metrics (prom-client), through their plain APIs: a same-run A/B (bench/library-ab.ts,
 * docs/performance.md) found the hand-written replacements saved under 0.5 % of the server's CPU
 * per admission. Label objects are built once per label set and reused.
 */
import { performance } from 'node:perf_hooks';
import type { Decision } from '../engine/types.js';
import type { Logger } from '../log.js';
import { cut, type AdmissionRecord } from './admit.js';
import { AdmissionResult, type Metrics } from './metrics.js';

type DecisionLabels = Readonly<Record<'policy' | 'outcome' | 'reason', string>>;
type Reviewed = Extract<AdmissionRecord, { kind: 'reviewed' }>;

/** Records admissions into a logger and a Metrics set. */
export class AdmissionRecorder {
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #byResult: Readonly<Record<AdmissionResult, Readonly<{ result: AdmissionResult }>>>;
  readonly #decisions = new Map<string, DecisionLabels>();

  constructor(log: Logger, metrics: Metrics) {
    this.#log = log;
    this.#metrics = metrics;
    const entries = Object.values(AdmissionResult).map((result) => [result, Object.freeze({ result })] as const);
    this.#byResult = Object.fromEntries(entries) as Record<AdmissionResult, { result: AdmissionResult }>;
  }

  /** One answered admission: its log line and metrics; `start` is when its request arrived. */
  record(r: AdmissionRecord, start: number): void {
    if (r.kind === 'passThrough') {
      const ms = this.#done(AdmissionResult.Skipped, start);
      this.#log.info(
        {
          uid: cut(r.uid),
          ns: cut(r.namespace),
          op: cut(r.operation),
          resource: cut(r.resource),
          result: 'skipped',
          ms,
        },
        'admission passed through (not a pod CREATE)',
      );
    } else if (r.kind === 'reviewed') {
      // Logs names, reasons and counts; never the pod or the patch.
      const ms = this.#done(r.outcome, start); // 'denied' | 'patched' | 'allowed': AdmissionResult values
      for (const d of r.decisions) this.#decision(d);
      this.#log.info(admissionFields(r, ms), r.denial ? 'admission denied' : 'admission reviewed');
    } else if (r.kind === 'aborted') {
      const ms = this.#done(AdmissionResult.Aborted, start);
      this.#log.info({ result: 'aborted', ms }, 'client closed the connection before the answer');
    } else if (r.kind === 'refused') {
      const ms = this.#done(AdmissionResult.Denied, start);
      this.#log.warn({ uid: cut(r.uid), result: 'denied', refused: r.cause, ms }, 'large admission review refused');
    } else {
      // A 4xx/5xx answer. Internal errors log their cause (with stack) at error level; never the body.
      const result = r.status >= 500 ? AdmissionResult.Error : AdmissionResult.Invalid;
      const ms = this.#done(result, start);
      const fields = { uid: r.uid === '' ? undefined : cut(r.uid), code: r.code, status: r.status, ms };
      if (result === AdmissionResult.Error) this.#log.error({ ...fields, err: r.cause }, r.message);
      else this.#log.warn(fields, r.message);
    }
  }
  #done(result: AdmissionResult, start: number): number {
    const ms = performance.now() - start;
    const labels = this.#byResult[result];
    this.#metrics.requests.inc(labels);
    this.#metrics.duration.observe(labels, ms / 1000);
    return Math.round(ms * 1000) / 1000;
  }

  #decision(d: Decision): void {
    const reason = d.reason ?? '';
    const key = `${d.policy}\u0000${d.outcome}\u0000${reason}`;
    let labels = this.#decisions.get(key);
    if (labels === undefined) {
      labels = Object.freeze({ policy: d.policy, outcome: d.outcome, reason });
      this.#decisions.set(key, labels);
    }
    this.#metrics.decisions.inc(labels);
  }
}

/**
 * The admission line's fields. Every value is a name, code or count: never the pod, the patch or a
 * parameter value; the strings were cut where the record was made (reviewRecord). Keys in this
 * order, absent ones left out.
 */
function admissionFields(r: Reviewed, ms: number): Record<string, unknown> {
  const skipped: string[] = [];
  for (const d of r.decisions)
    if (d.outcome === 'skip' && d.reason !== undefined && d.reason !== 'no_match')
      skipped.push(`${d.policy}:${d.reason}`);
  return {
    uid: r.uid,
    ...(r.namespace !== undefined ? { ns: r.namespace } : {}),
    ...(r.podName !== undefined ? { podName: r.podName } : {}),
    ...(r.operation !== undefined ? { op: r.operation } : {}),
    ...(r.dryRun ? { dryRun: true } : {}),
    result: r.outcome,
    injected: r.injected,
    skipped,
    ops: r.ops,
    warnings: r.warnings,
    ...(r.denial ? { denial: r.denial } : {}),
    ms,
  };
}
