// The InjectionPolicy status writer (its API calls replaced by a recorder; the real API server is in
// test/e2e/crd-status.test.ts): only the Lease holder writes, a status already right is not written
// again, a failed write is counted, logged and retried at the next pass.
import { deepStrictEqual, equal, match } from 'node:assert/strict';
import { createLogger } from '../../src/log.js';
import { settle } from '../../src/policy/objects.js';
import { createMetrics } from '../../src/server/metrics.js';
import { statusWriter } from '../../src/server/status-writer.js';
import { logSink } from '../support/log.js';

const object = (name: string, status?: object) => ({
  apiVersion: 'init-injector.io/v1alpha1',
  kind: 'InjectionPolicy',
  metadata: { name, uid: `uid-${name}`, generation: 1 },
  spec: { initContainers: [{ name, image: `example.com/${name}:1` }] },
  ...(status && { status }),
});

describe('server: InjectionPolicy status writer', () => {
  it('writes only while leading, skips what is already right, and retries a failed write', async () => {
    const objects = [object('a'), object('b')];
    const outcomes = () => {
      const s = settle(objects, new Map());
      return s.outcomes.map((outcome, i) => ({ object: objects[i] as never, outcome }));
    };
    let leading = false;
    const written: string[] = [];
    let failNext = true;
    const sink = logSink();
    const metrics = createMetrics({ processMetrics: false });
    const writer = statusWriter({
      outcomes,
      isLeader: () => leading,
      patch: (name, body) => {
        if (name === 'b' && failNext) {
          failNext = false;
          return Promise.reject(new Error('409 conflict'));
        }
        written.push(name);
        // The API server now holds it: the cached object shows the status written.
        (objects.find((o) => o.metadata.name === name) as { status?: unknown }).status = (
          body as { status: unknown }
        ).status;
        return Promise.resolve();
      },
      log: createLogger({ level: 'warn', destination: sink.stream }),
      metrics,
      now: () => new Date('2026-12-02T05:00:00Z'),
      resyncMs: 0,
    });
    writer.poke();
    await writer.idle();
    deepStrictEqual(written, [], 'a replica that does not hold the Lease never writes');

    leading = true;
    writer.poke();
    await writer.idle();
    deepStrictEqual(written, ['a']);
    match(await metrics.registry.metrics(), /init_injector_policy_status_writes_total\{result="failure"\} 1/);
    match(sink.text(), /InjectionPolicy status not written; retried at the next pass/);

    writer.poke();
    await writer.idle();
    deepStrictEqual(written, ['a', 'b'], 'the failed write is retried; the right one is not repeated');
    writer.poke();
    await writer.idle();
    equal(written.length, 2);
    writer.stop();
  });
});
