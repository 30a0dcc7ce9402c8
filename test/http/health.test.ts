import { deepStrictEqual, match, ok, strictEqual } from 'node:assert/strict';
import request from 'supertest';
import type { PolicySet } from '../../src/engine/types.js';
import { createListener } from '../../src/server/app.js';
import { readiness } from '../../src/server/health.js';
import { createMetrics } from '../../src/server/metrics.js';
import { aPod, loadSet, policyYaml, reviewFor } from './support.js';

describe('/healthz, /readyz, /metrics', () => {
  let set: PolicySet;
  before(async () => {
    set = await loadSet({ 'a.yaml': policyYaml('network-check') });
  });

  it('/healthz answers 200 while the process runs', async () => {
    const res = await request(createListener({ policies: () => set }))
      .get('/healthz')
      .expect(200);
    deepStrictEqual(res.body, { status: 'ok' });
  });

  const sources = (over: Partial<Parameters<typeof readiness>[0]> = {}): Parameters<typeof readiness>[0] => ({
    policies: () => ({ count: 1, revision: 'r1', lastError: [] }),
    certificate: () => ({ notAfter: '2099-01-01T00:00:00.000Z', valid: true, source: 'tls.crt' }),
    namespaces: () => ({ source: 'informer', synced: true, count: 3 }),
    draining: () => false,
    ...over,
  });

  it('/readyz is 200 with JSON detail when policies, certificate and namespaces are fine', async () => {
    const res = await request(createListener({ policies: () => set, readiness: () => readiness(sources()) }))
      .get('/readyz')
      .expect(200);
    strictEqual(res.body.ready, true);
    deepStrictEqual(res.body.policies, { count: 1, revision: 'r1', lastError: [] });
    strictEqual(res.body.certificate.valid, true);
    deepStrictEqual(res.body.namespaces, { source: 'informer', synced: true, count: 3 });
  });

  for (const [what, over, reason] of [
    [
      'the namespace cache is not synced',
      { namespaces: () => ({ source: 'informer' as const, synced: false, count: 0 }) },
      /namespace cache not synced/,
    ],
    [
      'the certificate expired',
      { certificate: () => ({ notAfter: '2020-01-01T00:00:00.000Z', valid: false, source: 'tls.crt' }) },
      /serving certificate not valid now/,
    ],
    ['the server is shutting down', { draining: () => true }, /shutting down/],
  ] as const) {
    it(`/readyz is 503 when ${what}, and says why`, async () => {
      const res = await request(createListener({ policies: () => set, readiness: () => readiness(sources(over)) }))
        .get('/readyz')
        .expect(503);
      strictEqual(res.body.ready, false);
      ok(
        res.body.reasons.some((r: string) => reason.test(r)),
        JSON.stringify(res.body.reasons),
      );
    });
  }

  it('/readyz stays ready after a failed reload (the old set serves) and shows file:line', async () => {
    const failed = sources({
      policies: () => ({ count: 1, revision: 'r1', lastError: ['p/bad.yaml:7: spec.mode: invalid'] }),
    });
    const res = await request(createListener({ policies: () => set, readiness: () => readiness(failed) }))
      .get('/readyz')
      .expect(200);
    deepStrictEqual(res.body.policies.lastError, ['p/bad.yaml:7: spec.mode: invalid']);
  });

  it('/metrics serves the init_injector_* metrics with bounded labels after an admission', async () => {
    const metrics = createMetrics();
    const listener = createListener({ policies: () => set, metrics });
    await request(listener).post('/mutate?timeout=10s').send(reviewFor(aPod())).expect(200);
    await request(listener)
      .post('/mutate')
      .send(reviewFor(aPod(), { operation: 'DELETE' }))
      .expect(200);
    await request(listener).post('/mutate').set('content-type', 'text/plain').send('x').expect(415);
    const res = await request(listener)
      .get('/metrics')
      .expect(200)
      .expect('content-type', /text\/plain/);
    const text = res.text;
    match(text, /init_injector_admission_requests_total\{result="patched"\} 1/);
    match(text, /init_injector_admission_requests_total\{result="skipped"\} 1/);
    match(text, /init_injector_admission_requests_total\{result="invalid"\} 1/);
    match(text, /init_injector_admission_duration_seconds_bucket\{le="0.0001",result="patched"\} \d/);
    match(text, /init_injector_policy_decisions_total\{policy="network-check",outcome="inject",reason=""\} 1/);
    match(text, /# TYPE init_injector_policy_reloads_total counter/);
    match(text, /# TYPE init_injector_policies_loaded gauge/);
    match(text, /# TYPE init_injector_certificate_expiry_timestamp_seconds gauge/);
    match(text, /process_cpu_seconds_total/);
    ok(
      !/web-|default"/.test(
        text
          .split('\n')
          .filter((l) => l.startsWith('init_injector'))
          .join('\n'),
      ),
      'no pod or namespace labels',
    );
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await request(createListener({ policies: () => set }))
      .get('/nope')
      .expect(404);
    strictEqual(res.body.error, 'not found');
  });
});
