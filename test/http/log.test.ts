import { ok, strictEqual } from 'node:assert/strict';
import request from 'supertest';
import { createLogger } from '../../src/log.js';
import { createListener } from '../../src/server/app.js';
import { logSink } from '../support/log.js';
import { aPod, loadSet, policyYaml, reviewFor } from './support.js';

function capture(level: string): { text: () => string; log: ReturnType<typeof createLogger> } {
  const sink = logSink();
  return { text: sink.text, log: createLogger({ level, destination: sink.stream }) };
}

describe('logging: redaction and what an admission line never contains', () => {
  it('redacts pod, patch, env, params and keys when a caller passes them', () => {
    const { text, log } = capture('info');
    log.info(
      { pod: { spec: 'x' }, patch: [1], env: [{ value: 'v1' }], params: { target: 'p1' }, privateKey: 'k1', uid: 'u' },
      'm',
    );
    const line = JSON.parse(text()) as Record<string, unknown>;
    for (const key of ['pod', 'patch', 'env', 'params', 'privateKey']) strictEqual(line[key], '[redacted]', key);
    strictEqual(line['uid'], 'u');
  });

  it('never writes env values, parameter values or images at any level, trace included', async () => {
    const set = await loadSet({
      'p.yaml': policyYaml('network-check', {
        extra: '  parameters:\n    - name: target\n      default: "1.1.1.1"\n      pattern: "^[0-9.]+$"\n',
      }),
    });
    const { text, log } = capture('trace');
    const pod = aPod({
      metadata: { name: 'web', annotations: { 'init-injector.io/network-check.target': '9.9.9.9' } },
    });
    const res = await request(createListener({ policies: () => set, log }))
      .post('/mutate')
      .send(reviewFor(pod))
      .expect(200);
    ok(res.body.response.patch !== undefined);
    const all = text();
    ok(all.includes('admission reviewed'), all);
    for (const secret of ['s3cr3t-value', '9.9.9.9', 'busybox', 'nginx'])
      ok(!all.includes(secret), `${secret} leaked: ${all}`);
  });
});

describe('the admission record: what reaches the log line, already bounded where it is made', () => {
  it('cuts a 3 MB generateName to 256 characters before the record leaves the large-review worker', async () => {
    const { reviewRecord } = await import('../../src/server/admit.js');
    const { mutate } = await import('../../src/engine/index.js');
    const set = await loadSet({ 'net.yaml': policyYaml('network-check') });
    const pod = aPod({ metadata: { generateName: 'g'.repeat(3 * 1024 * 1024), namespace: 'default' } });
    const request = { uid: 'u', operation: 'CREATE', namespace: 'n'.repeat(1000) };
    const result = mutate({ pod, namespace: { name: 'default' }, policies: set, request });
    const record = reviewRecord(request, pod, result);
    ok(record.kind === 'reviewed');
    strictEqual(record.podName, `${'g'.repeat(256)}…`);
    strictEqual(record.namespace, `${'n'.repeat(256)}…`);
  });
});
