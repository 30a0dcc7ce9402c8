// GET /metrics on both ports: the admission port's listener and the plain-HTTP metrics port answer
// with the same text, and each keeps its own answer when collecting the metrics fails.
import { deepStrictEqual, match, ok, strictEqual } from 'node:assert/strict';
import { Gauge } from 'prom-client';
import request from 'supertest';
import { createLogger } from '../../src/log.js';
import { createListener } from '../../src/server/app.js';
import { createMetrics, type Metrics } from '../../src/server/metrics.js';
import { metricsListener } from '../../src/server/metrics-route.js';
import { logSink } from '../support/log.js';
import { aPod, loadSet, policyYaml, reviewFor } from './support.js';

/** Makes every later collection of `metrics` fail. */
function breakCollection(metrics: Metrics): void {
  new Gauge({
    name: 'test_broken',
    help: 'A gauge whose collection fails.',
    registers: [metrics.registry],
    collect() {
      throw new Error('collection failed');
    },
  });
}

describe('GET /metrics on the admission port and on the metrics port', () => {
  it('answers the same text on both ports', async () => {
    const set = await loadSet({ 'a.yaml': policyYaml('network-check') });
    const metrics = createMetrics({ processMetrics: false });
    const admission = createListener({ policies: () => set, metrics });
    await request(admission).post('/mutate').send(reviewFor(aPod())).expect(200);
    const onAdmission = await request(admission)
      .get('/metrics')
      .expect(200)
      .expect('content-type', metrics.registry.contentType);
    const onMetricsPort = await request(metricsListener(metrics))
      .get('/metrics')
      .expect(200)
      .expect('content-type', metrics.registry.contentType);
    match(onAdmission.text, /init_injector_admission_requests_total\{result="patched"\} 1/);
    strictEqual(onMetricsPort.text, onAdmission.text);
  });

  it('serves only GET /metrics, with or without a query string, on the metrics port', async () => {
    const listener = metricsListener(createMetrics({ processMetrics: false }));
    const res = await request(listener).get('/metrics?name[]=x').expect(200);
    match(res.text, /# TYPE init_injector_admission_requests_total counter/);
    for (const [method, path] of [
      ['get', '/healthz'],
      ['get', '/metrics/'],
      ['post', '/metrics'],
      ['post', '/mutate'],
    ] as const) {
      const client = request(listener);
      const other = await client[method](path).expect(404).expect('content-type', 'text/plain');
      strictEqual(other.text, 'only GET /metrics is served on this port\n', `${method} ${path}`);
    }
  });

  it('answers an empty 500 on the metrics port when collecting fails', async () => {
    const metrics = createMetrics({ processMetrics: false });
    breakCollection(metrics);
    const res = await request(metricsListener(metrics)).get('/metrics').expect(500);
    strictEqual(res.text, '');
  });

  it('answers a JSON 500 and logs the error on the admission port when collecting fails', async () => {
    const set = await loadSet({ 'a.yaml': policyYaml('network-check') });
    const sink = logSink();
    const metrics = createMetrics({ processMetrics: false });
    breakCollection(metrics);
    const listener = createListener({
      policies: () => set,
      metrics,
      log: createLogger({ level: 'info', destination: sink.stream }),
    });
    const res = await request(listener).get('/metrics').expect(500).expect('content-type', 'application/json');
    deepStrictEqual(res.body, { error: 'internal error' });
    const lines = sink.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    ok(
      lines.some((l) => l['msg'] === 'unhandled error in a non-admission route' && l['level'] === 'error'),
      JSON.stringify(lines),
    );
  });
});
