/**
 * `npx tsx bench/stages.ts [--policies 10] [--kb 10] [--rounds 5]`: what each step of an admission
 * costs in one process, with no sockets, TLS or HTTP around it, next to what the floor computes for
 * the same request (JSON.parse of the body and one fixed answer). This is the part of the
 * server-vs-floor ratio that no server tuning can remove: the server's CPU per request is the
 * floor's plus these added steps (and what they cost the caches between sockets); see
 * docs/performance.md. Each request is a fresh JSON.parse of a distinct body, as on the server.
 */
import { openSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { mutate } from '../src/engine/index.js';
import { checkPodShape, decodeReview, encodeReview, patched } from '../src/kube/admission.js';
import { createLogger } from '../src/log.js';
import { loadPolicies } from '../src/policy/load.js';
import { createMetrics } from '../src/server/metrics.js';
import { reviewRecord } from '../src/server/admit.js';
import { AdmissionRecorder } from '../src/server/recorder.js';
import { admissionReview, BENCH_NAMESPACE_LABELS, podForReviewSize } from './lib/pod.js';
import { writePolicySet } from './lib/policies.js';

const { values } = parseArgs({
  options: {
    policies: { type: 'string', default: '10' },
    kb: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
  },
});
const work = mkdtempSync(join(tmpdir(), 'init-injector-stages-'));
const loaded = await loadPolicies([writePolicySet(join(work, 'policies'), Number(values.policies))]);
if (!loaded.ok) throw new Error(`the bench policies do not load: ${JSON.stringify(loaded.error)}`);
const policies = loaded.value;
const pod = podForReviewSize(Number(values.kb) * 1024);
const bodies = Array.from({ length: 64 }, (_, i) =>
  Buffer.from(JSON.stringify(admissionReview(pod, `stage-${String(i)}-6f1c2a9e`))),
);
// The server's logger and metrics, writing to /dev/null the way it writes to stdout.
const log = createLogger({ destination: pino.destination({ dest: openSync('/dev/null', 'w'), sync: false }) });
const recorder = new AdmissionRecorder(log, createMetrics({ processMetrics: false }));
const FLOOR_ANSWER = encodeReview(patched('x', [{ op: 'add', path: '/metadata/annotations/a', value: 'b' }]));

const STAGES = [
  'body → JSON.parse',
  'decode + shape check',
  'engine mutate()',
  'encode (ops JSON + base64)',
  'response text',
  'log line + metrics',
] as const;
const FLOOR_STAGES = ['body → JSON.parse', 'fixed answer'] as const;

let sink = 0;

function ours(i: number, acc: Float64Array | undefined): void {
  const t0 = performance.now();
  const body: unknown = JSON.parse((bodies[i & 63] as Buffer).toString('utf8'));
  const t1 = performance.now();
  const request = decodeReview(body);
  const object = request.object;
  checkPodShape(object, request.uid);
  const t2 = performance.now();
  const result = mutate({
    pod: object,
    namespace: { name: request.namespace ?? '', labels: BENCH_NAMESPACE_LABELS },
    policies,
    request,
  });
  const t3 = performance.now();
  const out = patched(request.uid, result.patch, result.warnings);
  const t4 = performance.now();
  const text = encodeReview(out);
  const t5 = performance.now();
  recorder.record(reviewRecord(request, object, result), t0);
  const t6 = performance.now();
  sink += text.length;
  if (acc) {
    acc[0]! += t1 - t0;
    acc[1]! += t2 - t1;
    acc[2]! += t3 - t2;
    acc[3]! += t4 - t3;
    acc[4]! += t5 - t4;
    acc[5]! += t6 - t5;
  }
}

function floor(i: number, acc: Float64Array | undefined): void {
  const t0 = performance.now();
  const body = JSON.parse((bodies[i & 63] as Buffer).toString('utf8')) as { request?: { uid?: string } };
  const t1 = performance.now();
  const text = FLOOR_ANSWER.replace('"x"', JSON.stringify(body.request?.uid ?? ''));
  const t2 = performance.now();
  sink += text.length;
  if (acc) {
    acc[0]! += t1 - t0;
    acc[1]! += t2 - t1;
  }
}

const N = 10_000;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const oursRounds: number[][] = STAGES.map(() => []);
const floorRounds: number[][] = FLOOR_STAGES.map(() => []);
for (let i = 0; i < N; i++) {
  ours(i, undefined);
  floor(i, undefined);
}
for (let r = 0; r < Number(values.rounds); r++) {
  const a = new Float64Array(STAGES.length);
  for (let i = 0; i < N; i++) ours(i, a);
  a.forEach((v, k) => oursRounds[k]?.push((v * 1000) / N));
  const b = new Float64Array(FLOOR_STAGES.length);
  for (let i = 0; i < N; i++) floor(i, b);
  b.forEach((v, k) => floorRounds[k]?.push((v * 1000) / N));
}
const rows = (names: readonly string[], rounds: number[][]): number =>
  names.reduce((total, name, k) => {
    const m = median(rounds[k] ?? []);
    process.stdout.write(`  ${name.padEnd(28)} ${m.toFixed(1).padStart(7)} µs\n`);
    return total + m;
  }, 0);
process.stdout.write(
  `stages of one admission, in process (${values.policies} policies, ${(bodies[0]!.length / 1024).toFixed(1)} KB review; median of ${values.rounds} rounds × ${N})\nserver:\n`,
);
const oursTotal = rows(STAGES, oursRounds);
process.stdout.write(`  ${'total'.padEnd(28)} ${oursTotal.toFixed(1).padStart(7)} µs\nfloor:\n`);
const floorTotal = rows(FLOOR_STAGES, floorRounds);
process.stdout.write(
  `  ${'total'.padEnd(28)} ${floorTotal.toFixed(1).padStart(7)} µs\n` +
    `added by the server: ${(oursTotal - floorTotal).toFixed(1)} µs per admission (${(oursTotal / floorTotal).toFixed(2)}× the floor's compute)${sink > 0 ? '' : ' !'}\n`,
);
