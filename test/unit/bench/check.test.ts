/**
 * The bench's response checker must be able to say no: a fast wrong answer must never count as a
 * result. No timing here (timing targets live in the bench, not in tests).
 */
import { equal, match, ok } from 'node:assert/strict';
import { checkResponse, ErrorTally, type SentRequest } from '../../../bench/lib/check.js';
import { podForReviewSize, reviewPool } from '../../../bench/lib/pod.js';
import { percentile, summarize } from '../../../bench/lib/stats.js';

const pod = podForReviewSize(10 * 1024);
const sent: SentRequest = { uid: 'uid-1', pod, expectInitContainers: 1 };
const addInit = [
  { op: 'add', path: '/spec/initContainers', value: [{ name: 'net-check', image: 'registry.example.com/nc:1' }] },
  { op: 'add', path: '/metadata/annotations/init-injector.io~1injected', value: 'network-check' },
];

function reply(response: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
}
function patchOf(ops: unknown): string {
  return Buffer.from(JSON.stringify(ops)).toString('base64');
}
const good = (uid = 'uid-1', ops: unknown = addInit): string =>
  reply({ uid, allowed: true, patchType: 'JSONPatch', patch: patchOf(ops) });

describe('bench response checker', () => {
  it('accepts a right answer: uid echoed, patch decodes and applies and adds the init containers', () => {
    equal(checkResponse(200, good(), sent), undefined);
  });

  it('rejects a wrong uid', () => {
    match(checkResponse(200, good('uid-2'), sent) ?? '', /uid not echoed: sent uid-1, got uid-2/);
  });

  it('rejects a patch that does not apply to the request pod', () => {
    const ops = [{ op: 'replace', path: '/spec/initContainers/0/image', value: 'x' }];
    match(checkResponse(200, good('uid-1', ops), sent) ?? '', /does not apply/);
  });

  it('rejects a patch that applies but does not inject what the policies inject', () => {
    const ops = [{ op: 'add', path: '/metadata/annotations/x', value: 'y' }];
    match(checkResponse(200, good('uid-1', ops), sent) ?? '', /adds 0 init containers, expected 1/);
  });

  it('rejects non-2xx, non-JSON, a missing patch, a denial and a wrong envelope', () => {
    match(checkResponse(500, good(), sent) ?? '', /HTTP 500/);
    match(checkResponse(200, 'not json', sent) ?? '', /not JSON/);
    match(checkResponse(200, reply({ uid: 'uid-1', allowed: true }), sent) ?? '', /no patch/);
    match(checkResponse(200, reply({ uid: 'uid-1', allowed: false }), sent) ?? '', /not allowed/);
    const v1beta1 = JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', response: {} });
    match(checkResponse(200, v1beta1, sent) ?? '', /not an admission.k8s.io\/v1 AdmissionReview/);
    match(checkResponse(200, reply({ uid: 'uid-1', allowed: true, patch: 'e30=' }), sent) ?? '', /patchType/);
  });

  it('rejects a patch that is not base64 of a JSON array', () => {
    const notB64 = reply({ uid: 'uid-1', allowed: true, patchType: 'JSONPatch', patch: '%%%' });
    ok(checkResponse(200, notB64, sent) !== undefined);
    match(checkResponse(200, good('uid-1', { op: 'add' }), sent) ?? '', /not a JSON array/);
  });

  it('a patch verified for one pod is verified again for another pod', () => {
    const tally = new ErrorTally();
    tally.record(200, good(), sent);
    // A pod with an init container of its own, as JSON (the checker sees wire data, not client classes).
    const other = JSON.parse(
      JSON.stringify(pod).replace('"containers":', '"initContainers":[{"name":"own","image":"x"}],"containers":'),
    ) as typeof pod;
    // `add /spec/initContainers` on a pod that has them replaces them: 1 -> 1, so 0 are added.
    tally.record(200, good(), { ...sent, pod: other });
    equal(tally.checked, 2);
    equal(tally.count, 1);
    match(tally.samples[0] ?? '', /adds 0 init containers/);
  });
});

describe('bench fixtures and statistics', () => {
  it('grows reviews to the asked size, with distinct uids per body', () => {
    for (const kb of [5, 10, 20]) {
      const pool = reviewPool(podForReviewSize(kb * 1024), 4, 1);
      ok(pool.bytes >= kb * 1024 && pool.bytes < kb * 1024 * 1.2, `${kb} KB review is ${pool.bytes} bytes`);
      equal(new Set(pool.uids).size, 4);
      pool.bodies.forEach((b, i) => {
        ok(b.includes(pool.uids[i]!));
      });
    }
  });

  it('nearest-rank percentiles', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i + 1);
    equal(percentile(xs, 50), 500);
    equal(percentile(xs, 99), 990);
    equal(percentile(xs, 99.9), 999);
    const s = summarize([3, 1, 2]);
    equal(s.p50, 2);
    equal(s.max, 3);
  });
});
