// Fuzzing the admission handler (as cert-manager's FuzzValidate does): a valid AdmissionReview with
// one field replaced by an arbitrary JSON value goes through /mutate of the production listener
// (createListener). The answer must be 200 or 400, never 500 (an engine crash on input the decoder
// let through) and never a hang; a 200 echoes the uid, and its patch applies to the object with the
// independent RFC 6902 applier.
import { ok, deepStrictEqual } from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import { createListener } from '../../src/server/app.js';
import { loadPolicies } from '../../src/policy/load.js';
import { formatDiagnostic } from '../../src/policy/diagnostics.js';
import { HOSTILE_POLICIES, smallPod } from './support/hostile-inputs.js';
import { applyPatch, cloneJson, type PatchOp } from './support/rfc6902.js';
import { review } from './support/server.js';

const RUNS = Number(process.env['RELIABILITY_RUNS'] ?? 300) / 2;

/** Paths into a review that a fuzz case may overwrite (array indexes as numbers). */
const PATHS: (string | number)[][] = [
  ['request', 'uid'],
  ['request', 'namespace'],
  ['request', 'operation'],
  ['request', 'kind'],
  ['request', 'object'],
  ['request', 'object', 'metadata'],
  ['request', 'object', 'metadata', 'name'],
  ['request', 'object', 'metadata', 'labels'],
  ['request', 'object', 'metadata', 'annotations'],
  ['request', 'object', 'metadata', 'annotations', 'example.com/target'],
  ['request', 'object', 'spec'],
  ['request', 'object', 'spec', 'containers'],
  ['request', 'object', 'spec', 'containers', 0],
  ['request', 'object', 'spec', 'containers', 0, 'name'],
  ['request', 'object', 'spec', 'containers', 0, 'volumeMounts'],
  ['request', 'object', 'spec', 'initContainers'],
  ['request', 'object', 'spec', 'volumes'],
  ['request', 'object', 'spec', 'ephemeralContainers'],
  ['request', 'object', 'spec', 'serviceAccountName'],
];

function setPath(root: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let cur: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (typeof cur !== 'object' || cur === null) return;
    const next: unknown = Reflect.get(cur, key);
    if (typeof next !== 'object' || next === null) {
      Reflect.set(cur, key, typeof path[path.indexOf(key) + 1] === 'number' ? [] : {});
    }
    cur = Reflect.get(cur, key);
  }
  if (typeof cur === 'object' && cur !== null) Reflect.set(cur, path[path.length - 1]!, value);
}

describe('reliability: fuzzing /mutate with one field of a valid review replaced', function () {
  this.timeout(120_000);
  let listener: RequestListener;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'init-injector-fuzz-'));
    for (const [f, text] of Object.entries(HOSTILE_POLICIES)) writeFileSync(join(dir, f), text);
    const set = await loadPolicies([dir]);
    if (!set.ok) throw new Error(set.error.map(formatDiagnostic).join('\n'));
    listener = createListener({ policies: () => set.value, namespaces: (name) => ({ name, labels: { env: 'prod' } }) });
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it(`answers 200 or 400, never 500, to ${String(RUNS)} fuzzed reviews`, async () => {
    const base = review(
      smallPod({
        labels: { app: 'web' },
        annotations: { 'example.com/target': 'db' },
        containers: [{ name: 'app', image: 'nginx', volumeMounts: [{ name: 'v', mountPath: '/v' }] }],
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), fc.jsonValue({ maxDepth: 3 }), async (path, value) => {
        const body = cloneJson(base);
        setPath(body, path, value);
        const res = await request(listener)
          .post('/mutate')
          .set('content-type', 'application/json')
          .send(JSON.stringify(body));
        ok(
          res.status === 200 || res.status === 400,
          `${path.join('.')} = ${JSON.stringify(value)}: HTTP ${String(res.status)} ${res.text.slice(0, 300)}`,
        );
        if (res.status !== 200) return;
        const out = JSON.parse(res.text) as { response: { uid: unknown; patch?: string } };
        deepStrictEqual(out.response.uid, (body['request'] as Record<string, unknown>)['uid']);
        if (out.response.patch !== undefined) {
          const ops = JSON.parse(Buffer.from(out.response.patch, 'base64').toString('utf8')) as PatchOp[];
          applyPatch((body['request'] as Record<string, unknown>)['object'], ops); // throws if it does not apply
        }
      }),
      { numRuns: RUNS },
    );
  });
});
