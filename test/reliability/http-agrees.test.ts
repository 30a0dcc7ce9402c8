// The HTTP path and the engine agree on every generated case: a pod the API server could send is
// never answered 400 by the review decoder's shape checks, a denial is a 200 with allowed:false and
// code 403, and the base64 patch is exactly the engine's patch (absent when the engine's is empty).
import { deepStrictEqual, ok } from 'node:assert/strict';
import fc from 'fast-check';
import request from 'supertest';
import { createListener } from '../../src/server/app.js';
import { namespaceLabels, scenario } from './support/arbitraries.js';
import { inputFor, runEngine } from './support/properties.js';
import { review } from './support/server.js';

const RUNS = Math.ceil(Number(process.env['RELIABILITY_RUNS'] ?? 300) / 2);

interface Answer {
  response: { uid: string; allowed: boolean; patch?: string; patchType?: string; status?: { code?: number } };
}

describe('reliability: POST /mutate answers what the engine decides, for generated pods and policies', function () {
  this.timeout(120_000);

  it(`agrees with the engine on ${String(RUNS)} generated cases`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, namespaceLabels, async ({ policies, pod }, labels) => {
        const input = inputFor({ policies, pod, namespaceLabels: labels });
        const expected = runEngine(input);
        const listener = createListener({
          policies: () => input.policies,
          namespaces: (name) => (labels === undefined ? { name } : { name, labels }),
        });
        const body = review(pod, 'agree-uid');
        (body['request'] as Record<string, unknown>)['namespace'] = input.namespace.name;
        const res = await request(listener)
          .post('/mutate')
          .set('content-type', 'application/json')
          .send(JSON.stringify(body));
        deepStrictEqual(res.status, 200, `HTTP ${String(res.status)}: ${res.text.slice(0, 400)}`);
        const out = (JSON.parse(res.text) as Answer).response;
        deepStrictEqual(out.uid, 'agree-uid');
        if (expected.denial !== undefined) {
          deepStrictEqual([out.allowed, out.status?.code, out.patch], [false, 403, undefined]);
          return;
        }
        ok(out.allowed, res.text.slice(0, 400));
        if (expected.patch.length === 0) deepStrictEqual(out.patch, undefined, 'a patch where the engine has none');
        else {
          deepStrictEqual(out.patchType, 'JSONPatch');
          deepStrictEqual(
            JSON.parse(Buffer.from(out.patch ?? '', 'base64').toString('utf8')),
            JSON.parse(JSON.stringify(expected.patch)),
          );
        }
      }),
      { numRuns: RUNS },
    );
  });
});
