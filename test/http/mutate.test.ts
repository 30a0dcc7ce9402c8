import { readFileSync } from 'node:fs';
import { deepStrictEqual, match, ok, strictEqual } from 'node:assert/strict';
import request from 'supertest';
import { mutate } from '../../src/engine/index.js';
import type { PolicySet } from '../../src/engine/types.js';
import { createLogger, type Logger } from '../../src/log.js';
import { createListener } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { logSink } from '../support/log.js';
import { aPod, decodePatch, loadSet, policyYaml, reviewFor, selectorPolicyYaml } from './support.js';

function capture(): { lines: () => Record<string, unknown>[]; log: Logger } {
  const sink = logSink();
  return {
    lines: () => sink.lines().map((l) => JSON.parse(l) as Record<string, unknown>),
    log: createLogger({ level: 'info', destination: sink.stream }),
  };
}

describe('POST /mutate (supertest against the production listener)', () => {
  let set: PolicySet;
  before(async () => {
    set = await loadSet({ 'net.yaml': policyYaml('network-check'), 'sel.yaml': selectorPolicyYaml('backend-only') });
  });
  const listener = () => createListener({ policies: () => set });

  it('patches a pod CREATE: 200, uid echoed, base64 patch decodes to exactly the engine ops', async () => {
    const pod = aPod();
    const review = reviewFor(pod);
    const res = await request(listener())
      .post('/mutate?timeout=10s')
      .send(review)
      .expect(200)
      .expect('content-type', /application\/json/);
    const expected = mutate({
      pod: pod,
      namespace: { name: 'default' },
      policies: set,
      request: review['request'] as never,
    });
    strictEqual(res.body.apiVersion, 'admission.k8s.io/v1');
    strictEqual(res.body.kind, 'AdmissionReview');
    strictEqual(res.body.response.uid, (review['request'] as { uid: string }).uid);
    strictEqual(res.body.response.allowed, true);
    strictEqual(res.body.response.patchType, 'JSONPatch');
    ok(expected.patch.length > 0);
    deepStrictEqual(decodePatch(res.body.response.patch), expected.patch);
    strictEqual(res.body.response.status, undefined);
  });

  it('passes namespace labels from the lookup to the engine (namespaceSelector matches)', async () => {
    const a = createListener({ policies: () => set, namespaces: (name) => ({ name, labels: { tier: 'backend' } }) });
    const res = await request(a).post('/mutate').send(reviewFor(aPod())).expect(200);
    const ops = JSON.stringify(decodePatch(res.body.response.patch));
    ok(ops.includes('backend-only'), ops);
  });

  for (const [what, req] of [
    ['UPDATE of a pod', { operation: 'UPDATE', oldObject: aPod() }],
    ['DELETE of a pod', { operation: 'DELETE', object: null, oldObject: aPod() }],
    ['CONNECT (exec)', { operation: 'CONNECT', subResource: 'exec' }],
    ['CREATE of a deployment', { resource: { group: 'apps', version: 'v1', resource: 'deployments' } }],
    ['CREATE of a pod binding subresource', { subResource: 'binding' }],
  ] as const) {
    it(`allows ${what} unchanged, without calling the engine`, async () => {
      let called = 0;
      const a = createListener({ policies: () => set, mutate: (i) => ((called += 1), mutate(i)) });
      const review = reviewFor(aPod(), req);
      const res = await request(a).post('/mutate').send(review).expect(200);
      deepStrictEqual(res.body.response, { uid: (review['request'] as { uid: string }).uid, allowed: true });
      strictEqual(called, 0);
    });
  }

  it('handles a dry-run CREATE like any other (the webhook has no side effects)', async () => {
    const res = await request(listener())
      .post('/mutate')
      .send(reviewFor(aPod(), { dryRun: true }))
      .expect(200);
    strictEqual(res.body.response.patchType, 'JSONPatch');
  });

  it('passes the engine warnings through and answers a denial with 200, allowed false, 403', async () => {
    const a = createListener({
      policies: () => set,
      mutate: () => ({
        patch: [],
        mutated: {},
        injected: [],
        decisions: [{ policy: 'gate', outcome: 'deny', reason: 'name_conflict' }],
        warnings: ['policy "x" skipped: fix it'],
        denial: {
          policy: 'gate',
          reason: 'name_conflict',
          message: 'policy "gate" is required; rename container "gate"',
        },
      }),
    });
    const res = await request(a).post('/mutate').send(reviewFor(aPod())).expect(200);
    strictEqual(res.body.response.allowed, false);
    strictEqual(res.body.response.status.code, 403);
    match(res.body.response.status.message, /policy "gate" is required/);
    deepStrictEqual(res.body.response.warnings, ['policy "x" skipped: fix it']);
    strictEqual(res.body.response.patch, undefined);
  });

  it('answers allowed with warnings and no patch when the engine changes nothing', async () => {
    const a = createListener({
      policies: () => set,
      mutate: () => ({ patch: [], mutated: {}, injected: [], decisions: [], warnings: ['w1', 'w2'] }),
    });
    const res = await request(a).post('/mutate').send(reviewFor(aPod())).expect(200);
    deepStrictEqual(res.body.response.warnings, ['w1', 'w2']);
    strictEqual(res.body.response.patchType, undefined);
  });

  it('answers 500 with the uid when the engine throws, and logs the error without the pod', async () => {
    const { lines, log } = capture();
    const metrics = createMetrics({ processMetrics: false });
    const a = createListener({
      policies: () => set,
      log,
      metrics,
      mutate: () => {
        throw new Error('boom in engine');
      },
    });
    const review = reviewFor(aPod());
    const res = await request(a).post('/mutate').send(review).expect(500);
    const uid = (review['request'] as { uid: string }).uid;
    strictEqual(res.body.response.uid, uid);
    strictEqual(res.body.response.status.code, 500);
    match(res.body.response.status.message, /^INJ_INTERNAL/);
    ok(!JSON.stringify(res.body).includes('s3cr3t-value'));
    const all = lines();
    const line = all.find((l) => l['code'] === 'INJ_INTERNAL');
    ok(line !== undefined, JSON.stringify(all));
    strictEqual(line['uid'], uid);
    ok(!JSON.stringify(all).includes('s3cr3t-value'));
    match(await metrics.registry.metrics(), /init_injector_admission_requests_total\{result="error"\} 1/);
  });

  describe('rejects what is not an AdmissionReview v1 with 400, never echoing the body', () => {
    const cases: [string, string | object, RegExp][] = [
      ['malformed JSON', '{"apiVersion": "admission.k8s.io/v1", "kind": s3cr3t-value', /malformed JSON/],
      ['truncated JSON', JSON.stringify(reviewFor(aPod())).slice(0, 200), /malformed JSON/],
      ['an empty body', '', /body is empty/],
      ['a JSON array', '[1,2]', /not a JSON object/],
      [
        'admission.k8s.io/v1beta1',
        { ...reviewFor(aPod()), apiVersion: 'admission.k8s.io/v1beta1' },
        /apiVersion must be admission.k8s.io\/v1, got "admission.k8s.io\/v1beta1"/,
      ],
      ['kind Pod', { ...reviewFor(aPod()), kind: 'Pod' }, /kind must be AdmissionReview/],
      ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /request is missing/],
      ['no request.uid', reviewFor(aPod(), { uid: undefined }), /request.uid is missing/],
      ['an empty request.uid', reviewFor(aPod(), { uid: '' }), /request.uid is missing/],
      ['a CREATE whose object is not an object', reviewFor('s3cr3t-value'), /request.object must be a Pod object/],
      [
        'spec.volumes that is not a list',
        reviewFor(aPod({ spec: { containers: [], volumes: {} } })),
        /request\.object\.spec\.volumes must be a list/,
      ],
      [
        'a null container',
        reviewFor(aPod({ spec: { containers: [null] } })),
        /request\.object\.spec\.containers\[0\] must be an object/,
      ],
      [
        'volumeMounts that is a string',
        reviewFor(aPod({ spec: { containers: [{ name: 'a', volumeMounts: 'x' }] } })),
        /spec\.containers\[0\]\.volumeMounts must be a list of objects/,
      ],
      [
        'a non-string annotation',
        reviewFor(aPod({ metadata: { name: 'p', annotations: { a: 1 } } })),
        /metadata\.annotations\["a"\] must be a string/,
      ],
      ['a non-object spec', reviewFor(aPod({ spec: 'x' })), /request\.object\.spec must be an object/],
    ];
    for (const [what, body, message] of cases) {
      it(what, async () => {
        const res = await request(createListener({ policies: () => set }))
          .post('/mutate')
          .set('content-type', 'application/json')
          .send(typeof body === 'string' ? body : JSON.stringify(body))
          .expect(400)
          .expect('content-type', /application\/json/);
        match(res.body.response.status.message, /^INJ_REVIEW_INVALID: /);
        match(res.body.response.status.message, message);
        strictEqual(res.body.response.status.code, 400);
        ok(!res.text.includes('s3cr3t-value'), res.text);
      });
    }
  });

  it('rejects bytes that are not UTF-8 with 400', async () => {
    const body = Buffer.concat([
      Buffer.from('{"apiVersion":"admission.k8s.io/v1","kind":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const res = await request(listener())
      .post('/mutate')
      .set('content-type', 'application/json')
      .serialize((b: unknown) => b as string)
      .send(body as never)
      .expect(400);
    match(res.body.response.status.message, /not valid UTF-8/);
  });

  for (const type of ['text/plain', 'application/yaml', 'application/x-www-form-urlencoded', 'application/jsonx']) {
    it(`answers 415 for Content-Type ${type}`, async () => {
      const res = await request(listener())
        .post('/mutate')
        .set('content-type', type)
        .send(JSON.stringify(reviewFor(aPod())))
        .expect(415);
      match(res.body.response.status.message, /^INJ_UNSUPPORTED_MEDIA_TYPE: Content-Type must be application\/json/);
    });
  }

  it('answers 415 when there is no Content-Type', async () => {
    await request(listener())
      .post('/mutate')
      .send(Buffer.from(JSON.stringify(reviewFor(aPod()))))
      .unset('content-type')
      .expect(415);
  });

  it('accepts application/json with parameters, in any case', async () => {
    await request(listener())
      .post('/mutate')
      .set('content-type', 'Application/JSON; charset=utf-8')
      .send(JSON.stringify(reviewFor(aPod())))
      .expect(200);
  });

  it('answers 413 with a JSON error beyond 7 MiB, and closes the connection', async () => {
    const pod = aPod({ metadata: { name: 'big', annotations: { big: 'x'.repeat(7 * 1024 * 1024) } } });
    const res = await request(listener()).post('/mutate').send(reviewFor(pod)).expect(413);
    match(res.body.response.status.message, /^INJ_BODY_TOO_LARGE/);
    strictEqual(res.headers['connection'], 'close');
  });

  it('answers each error row of the docs/operations.md table with the allowed and status.code it gives', async () => {
    const table = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const big = aPod({ metadata: { name: 'big', annotations: { big: 'x'.repeat(7 * 1024 * 1024) } } });
    const answers: Record<number, request.Response> = {
      400: await request(listener())
        .post('/mutate')
        .set('content-type', 'application/json')
        .send('{"kind":')
        .expect(400),
      413: await request(listener()).post('/mutate').send(reviewFor(big)).expect(413),
      415: await request(listener()).post('/mutate').set('content-type', 'text/plain').send('{}').expect(415),
    };
    for (const [status, res] of Object.entries(answers)) {
      const row = table.split('\n').find((l) => new RegExp(`^\\| [^|]+ \\| ${status}\\b`).test(l));
      ok(row, `docs/operations.md has a /mutate row for HTTP ${status}`);
      const [, , allowed = '', code = ''] = row.split(' | ');
      const body = res.body as {
        response: { allowed: boolean; status: { code: number; reason: string; message: string } };
      };
      strictEqual(allowed, String(body.response.allowed), `row ${status}: allowed`);
      const errorCode = /^(INJ_[A-Z_]+):/.exec(body.response.status.message)?.[1] ?? '';
      ok(
        code.startsWith(`${body.response.status.code} (\`${body.response.status.reason}\`)`) &&
          code.includes(errorCode),
        `row ${status}: status.code column "${code}" vs ${body.response.status.code} ${body.response.status.reason} ${errorCode}`,
      );
    }
  });

  it('accepts a 3 MiB pod (the API server maximum), below the limit', async () => {
    const pod = aPod({ metadata: { name: 'large', annotations: { big: 'x'.repeat(3 * 1024 * 1024) } } });
    const res = await request(listener()).post('/mutate').send(reviewFor(pod)).expect(200);
    strictEqual(res.body.response.allowed, true);
  });

  it('keeps __proto__ keys as plain data: no prototype pollution', async () => {
    const text = JSON.stringify(reviewFor(aPod()))
      .replace('"labels":{', '"labels":{"__proto__":"yes","constructor":"yes","prototype":"yes",')
      .replace('"spec":{', '"spec":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},');
    const res = await request(listener())
      .post('/mutate')
      .set('content-type', 'application/json')
      .send(text)
      .expect(200);
    strictEqual(res.body.response.allowed, true);
    strictEqual(({} as Record<string, unknown>)['polluted'], undefined);
    strictEqual(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });

  it('logs one line per admission with names and counts, never the pod, env values or the patch', async () => {
    const { lines, log } = capture();
    const review = reviewFor(aPod());
    await request(createListener({ policies: () => set, log }))
      .post('/mutate')
      .send(review)
      .expect(200);
    strictEqual(lines().length, 1);
    const line = lines()[0]!;
    strictEqual(line['uid'], (review['request'] as { uid: string }).uid);
    strictEqual(line['ns'], 'default');
    strictEqual(line['podName'], 'web-*');
    deepStrictEqual(line['injected'], ['network-check']);
    strictEqual(typeof line['ops'], 'number');
    strictEqual(typeof line['ms'], 'number');
    const text = JSON.stringify(line);
    ok(!text.includes('s3cr3t-value') && !text.includes('busybox'), text);
  });

  it('writes every field docs/operations.md lists for the admission line (denial on denials)', async () => {
    const docs = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const listed = /One line per admission: ([^.]+)\./.exec(docs.replace(/\n/g, ' '))?.[1] ?? '';
    const fields = [...listed.matchAll(/`([a-zA-Z]+)`/g)].map((m) => m[1] ?? '');
    ok(fields.includes('op') && fields.includes('denial'), listed);
    const { lines, log } = capture();
    const gate = await loadSet({
      'g.yaml': policyYaml('gate', { extra: '  required: true\n  parameters:\n    - {name: p}\n' }),
    });
    await request(createListener({ policies: () => set, log }))
      .post('/mutate')
      .send(reviewFor(aPod()))
      .expect(200);
    await request(createListener({ policies: () => gate, log }))
      .post('/mutate')
      .send(reviewFor(aPod()))
      .expect(200);
    const [patched, denied] = lines();
    for (const f of fields.filter((x) => x !== 'denial')) ok(patched !== undefined && f in patched, `${f} missing`);
    ok(denied !== undefined && 'denial' in denied, JSON.stringify(denied));
    strictEqual(patched?.['op'], 'CREATE');
  });
});

describe('warnings bounded to what the API server shows (256 characters each, 4096 in total)', () => {
  it('answers at most 8 warnings of at most 255 characters however many the pod causes', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `needs-param-${String(i)}`);
    const files = Object.fromEntries(
      names.map((n) => [`${n}.yaml`, policyYaml(n, { extra: '  mode: OnRequest\n  parameters:\n    - {name: p}\n' })]),
    );
    const set = await loadSet(files);
    const unknown = Array.from({ length: 30 }, (_, i) => `unknown-policy-with-a-long-name-${String(i)}`);
    const pod = aPod({
      metadata: { name: 'w', annotations: { 'init-injector.io/request': [...names, ...unknown].join(',') } },
    });
    const res = await request(createListener({ policies: () => set }))
      .post('/mutate')
      .send(reviewFor(pod))
      .expect(200);
    const warnings = (res.body as { response: { warnings: string[] } }).response.warnings;
    strictEqual(warnings.length, 8);
    ok(
      warnings.every((w) => w.length <= 255),
      JSON.stringify(warnings),
    );
    ok(warnings.join('').length <= 4096);
    ok(warnings[0]?.endsWith('…'), 'the long unknown-names line is cut');
    match(warnings[7] ?? '', /^… and \d+ more \(see the webhook log\)$/);
  });
});
