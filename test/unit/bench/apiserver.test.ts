/**
 * The API-server section's readers and arithmetic: our server's log lines, the API server's webhook
 * histogram, and the split of the overhead. No timing here (timing targets live in the bench).
 */
import { deepEqual, equal, ok } from 'node:assert/strict';
import { admissionsOf, callsBetween, webhookTotalsOf } from '../../../bench/lib/admission-timing.js';
import { decompose } from '../../../bench/lib/apiserver-figures.js';

describe('bench API-server section', () => {
  it('reads ms only from admission lines of the asked namespace, skipping a torn line and non-JSON', () => {
    const text = [
      '{"level":30,"uid":"a","ns":"on","result":"patched","ms":1.25}',
      '{"level":30,"uid":"b","ns":"off","result":"allowed","ms":9}',
      '{"level":30,"msg":"policies reloaded","ns":"on"}',
      'not json',
      '{"level":30,"uid":"c","ns":"on","result":"allowed","ms":0.5}',
      '{"level":30,"uid":"d","ns":"on","ms":',
    ].join('\n');
    deepEqual(admissionsOf(text, 'on'), [
      { ms: 1.25, result: 'patched' },
      { ms: 0.5, result: 'allowed' },
    ]);
  });

  it("reads the floor's lines, which carry no namespace, when no namespace is asked", () => {
    deepEqual(admissionsOf('floor listening on 4443\n{"ms":0.125}\n{"ms":0.25}\n', undefined), [
      { ms: 0.125 },
      { ms: 0.25 },
    ]);
  });

  it('sums the webhook histogram per name across label sets, ignoring buckets and other metrics', () => {
    const m = 'apiserver_admission_webhook_admission_duration_seconds';
    const text = [
      `# TYPE ${m} histogram`,
      `${m}_bucket{name="ours",operation="CREATE",rejected="false",type="admit",le="0.005"} 3`,
      `${m}_sum{name="ours",operation="CREATE",rejected="false",type="admit"} 0.02`,
      `${m}_count{name="ours",operation="CREATE",rejected="false",type="admit"} 4`,
      `${m}_sum{name="ours",operation="UPDATE",rejected="false",type="admit"} 0.01`,
      `${m}_count{name="ours",operation="UPDATE",rejected="false",type="admit"} 1`,
      `${m}_count{name="floor",operation="CREATE",rejected="false",type="admit"} 2`,
      `apiserver_request_total{code="200"} 99`,
    ].join('\n');
    const t = webhookTotalsOf(text);
    equal(t.get('ours')?.count, 5);
    ok(Math.abs((t.get('ours')?.sum ?? 0) - 0.03) < 1e-12);
    equal(t.get('floor')?.count, 2);
    equal(t.size, 2);
  });

  it('takes calls and mean ms per call as differences between two scrapes', () => {
    const before = new Map([['ours', { sum: 1, count: 10 }]]);
    const after = new Map([
      ['ours', { sum: 1.5, count: 110 }],
      ['floor', { sum: 0.2, count: 100 }],
    ]);
    deepEqual(callsBetween(before, after, 'ours'), { calls: 100, meanMs: 5 });
    deepEqual(callsBetween(before, after, 'floor'), { calls: 100, meanMs: 2 });
    const none = callsBetween(before, after, 'absent');
    equal(none.calls, 0);
    ok(Number.isNaN(none.meanMs));
  });

  it('splits the overhead into calling any webhook, applying the patch and the rest', () => {
    const at = (p50: number): number[] => Array.from({ length: 100 }, (_, i) => p50 + (i - 49) * 0.1);
    const r = decompose({
      ours: at(30),
      none: at(20),
      floor: at(24),
      floorPatch: at(26),
      server: [
        ...Array.from({ length: 100 }, () => ({ ms: 1, result: 'patched' })),
        ...Array.from({ length: 100 }, () => ({ ms: 0.5, result: 'allowed' })),
      ],
      floorServer: at(0.2).map((ms) => ({ ms })),
      floorPatchServer: Array.from({ length: 100 }, () => ({ ms: 0.3 })),
      pods: 100,
    });
    const near = (a: number, b: number): void => {
      ok(Math.abs(a - b) < 1e-9, `${String(a)} != ${String(b)}`);
    };
    near(r.decomposition.total.p50Ms, 10);
    near(r.decomposition.anyWebhookCall.p50Ms, 4);
    near(r.decomposition.applyingPatch?.p50Ms ?? Number.NaN, 2);
    near(r.decomposition.beyondPatchFloor?.p50Ms ?? Number.NaN, 4);
    near(r.decomposition.beyondFloor.p50Ms, 6);
    equal(r.server.callsPerPod, 2);
    near(r.server.msPerCall.p50, 0.5); // rank 100 of 200: the last of the 0.5 ms re-calls
    near(r.server.msPerCall.p99, 1);
    near(r.decomposition.ourServerPerPod.p50Ms, 1);
    near(r.decomposition.ourServerPerPod.p99Ms, 2);
    near(r.server.byResult['patched']?.p50 ?? Number.NaN, 1);
    near(r.server.byResult['allowed']?.p50 ?? Number.NaN, 0.5);
    near(r.server.floorMsPerCall.p50, 0.2);
    near(r.server.floorPatchMsPerCall?.p50 ?? Number.NaN, 0.3);
    near(r.decomposition.ourServerBeyondFloorPerPod.p50Ms, (0.5 - 0.3) * 2); // the same answer: the reference
  });

  it('leaves the patch-floor parts null when that namespace was not run', () => {
    const r = decompose({
      ours: [3],
      none: [1],
      floor: [2],
      floorPatch: null,
      server: [{ ms: 0.5 }],
      floorServer: [{ ms: 0.125 }],
      floorPatchServer: null,
      pods: 1,
    });
    equal(r.floorPatchWebhook, null);
    equal(r.decomposition.applyingPatch, null);
    equal(r.decomposition.beyondPatchFloor, null);
    equal(r.decomposition.beyondFloor.p50Ms, 1);
    equal(r.server.floorPatchMsPerCall, null);
    equal(r.decomposition.ourServerBeyondFloorPerPod.p50Ms, 0.375); // the no-patch floor is the reference then
  });
});
