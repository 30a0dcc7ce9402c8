/**
 * `npx tsx bench/library-ab.ts [--policies 10] [--kb 10] [--rounds 7] --server-us N`: the same-run
 * A/B behind each hand-written replacement of a library on the admission path. For one admission,
 * in one process, it times our way and the library's plain API, interleaved round by round:
 * - the admission log line: the hand-serialised line (rawInfo) vs pino's `logger.info(fields, msg)`;
 * - the counters: PendingCounts flushed on scrape vs prom-client's `counter.inc(labels)`;
 * - the patched answer's text: assembled around the base64 patch vs `JSON.stringify(review)`.
 * Each saving is printed in µs and as a share of the server's CPU per admission (`--server-us`,
 * from the latest `npm run bench`, docs/performance.md). The rule: a hand-written replacement stays
 * only where it saves at least 5 % of that.
 */
import { openSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { mutate } from '../src/engine/index.js';
import { decodeReview, encodeReview, patched } from '../src/kube/admission.js';
import { createLogger, rawInfo } from '../src/log.js';
import { loadPolicies } from '../src/policy/load.js';
import { createMetrics } from '../src/server/metrics.js';
import { reviewRecord } from '../src/server/admit.js';
import { admissionReview, BENCH_NAMESPACE_LABELS, podForReviewSize } from './lib/pod.js';
import { writePolicySet } from './lib/policies.js';

const { values } = parseArgs({
  options: {
    policies: { type: 'string', default: '10' },
    kb: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '7' },
    'server-us': { type: 'string' },
  },
});
const serverUs = Number(values['server-us']);
if (!(serverUs > 0)) throw new Error('--server-us N: the server CPU per admission in µs, from npm run bench');

const work = mkdtempSync(join(tmpdir(), 'init-injector-ab-'));
const loaded = await loadPolicies([writePolicySet(join(work, 'policies'), Number(values.policies))]);
if (!loaded.ok) throw new Error(`the bench policies do not load: ${JSON.stringify(loaded.error)}`);
const pod = podForReviewSize(Number(values.kb) * 1024);
const request = decodeReview(JSON.parse(JSON.stringify(admissionReview(pod, 'ab-6f1c2a9e'))) as unknown);
const result = mutate({
  pod: request.object,
  namespace: { name: request.namespace ?? '', labels: BENCH_NAMESPACE_LABELS },
  policies: loaded.value,
  request,
});
const record = reviewRecord(request, request.object, result);
if (record.kind !== 'reviewed') throw new Error('the bench pod must be reviewed');
const answer = patched(request.uid, result.patch, result.warnings);

const log = createLogger({ destination: pino.destination({ dest: openSync('/dev/null', 'w'), sync: false }) });
const metrics = createMetrics({ processMetrics: false });
const resultLabels = Object.freeze({ result: record.outcome });
const decisionLabels = record.decisions.map((d) =>
  Object.freeze({ policy: d.policy, outcome: d.outcome, reason: d.reason ?? '' }),
);
const skipped = record.decisions
  .filter((d) => d.outcome === 'skip' && d.reason !== undefined && d.reason !== 'no_match')
  .map((d) => `${d.policy}:${d.reason ?? ''}`);
const fieldsText = (): string =>
  `"uid":${JSON.stringify(record.uid)},"ns":${JSON.stringify(record.namespace)},"op":"CREATE","result":"${record.outcome}","injected":${JSON.stringify(record.injected)},"skipped":${JSON.stringify(skipped)},"ops":${String(record.ops)},"warnings":${String(record.warnings)},"ms":0.123`;
const fieldsObject = (): object => ({
  uid: record.uid,
  ns: record.namespace,
  op: 'CREATE',
  result: record.outcome,
  injected: record.injected,
  skipped,
  ops: record.ops,
  warnings: record.warnings,
  ms: 0.123,
});

let sink = 0;
const PAIRS: readonly { name: string; ours: () => void; library: () => void }[] = [
  {
    name: 'admission log line',
    ours: () => {
      rawInfo(log, fieldsText, 'admission reviewed');
    },
    library: () => {
      log.info(fieldsObject(), 'admission reviewed');
    },
  },
  {
    name: 'counters (result + decisions)',
    ours: () => {
      metrics.requestCounts.add(resultLabels);
      for (const l of decisionLabels) metrics.decisionCounts.add(l);
    },
    library: () => {
      metrics.requests.inc(resultLabels);
      for (const l of decisionLabels) metrics.decisions.inc(l);
    },
  },
  {
    name: 'patched answer text',
    ours: () => (sink += encodeReview(answer).length),
    library: () => (sink += JSON.stringify(answer).length),
  },
];

const N = 20_000;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const time = (f: () => void): number => {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) f();
  return ((performance.now() - t0) * 1000) / N;
};
for (const p of PAIRS) {
  time(p.ours);
  time(p.library);
}
process.stdout.write(
  `library A/B, one admission in process (${values.policies} policies, ${values.kb} KB review, ${String(record.decisions.length)} decisions; median of ${values.rounds} interleaved rounds × ${String(N)}); server CPU per admission ${String(serverUs)} µs\n`,
);
for (const p of PAIRS) {
  const ours: number[] = [];
  const library: number[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    ours.push(time(p.ours));
    library.push(time(p.library));
  }
  const saved = median(library) - median(ours);
  const share = (100 * saved) / serverUs;
  process.stdout.write(
    `  ${p.name.padEnd(30)} ours ${median(ours).toFixed(2).padStart(6)} µs, library ${median(library).toFixed(2).padStart(6)} µs: saves ${saved.toFixed(2)} µs = ${share.toFixed(1)} % → ${share >= 5 ? 'keep' : 'use the library'}\n`,
  );
}
if (sink === 0) process.stdout.write('!\n');
