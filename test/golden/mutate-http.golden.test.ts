/**
 * The same golden fixtures through the webhook's HTTP path: POST /mutate on the listener `serve` uses
 * (createListener; supertest, no TLS) with each case's namespace labels, must answer with the ops of <case>.patch.json, the
 * warnings of <case>.result.json, or a 403 denial carrying its message.
 */
import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import request from 'supertest';
import { namespaceInfo } from '../../src/cli/context.js';
import { createListener } from '../../src/server/app.js';
import { discoverCases, readData } from './golden.js';
import { loadCase } from './cases.js';

interface GoldenResult {
  readonly warnings: string[];
  readonly denial: { readonly message: string } | null;
}

describe('golden: every fixture through POST /mutate', () => {
  for (const name of discoverCases()) {
    it(`${name}: the AdmissionReview response carries ${name}.patch.json and ${name}.result.json`, async () => {
      const c = await loadCase(name);
      const listener = createListener({
        policies: () => c.policySet,
        namespaces: (ns) => namespaceInfo(ns, ns === c.namespace.name ? c.namespace.labels : {}),
      });
      const uid = `golden-${name}`;
      const review = {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid,
          kind: { group: '', version: 'v1', kind: 'Pod' },
          resource: { group: '', version: 'v1', resource: 'pods' },
          operation: 'CREATE',
          namespace: c.namespace.name,
          userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
          object: c.pod,
          dryRun: false,
        },
      };
      const res = await request(listener).post('/mutate').set('Content-Type', 'application/json').send(review);
      strictEqual(res.status, 200, JSON.stringify(res.body));
      const response = (res.body as { response: Record<string, unknown> }).response;
      strictEqual(response['uid'], uid);
      const golden = JSON.parse(readData(`${name}.result.json`)) as GoldenResult;
      const ops = JSON.parse(readData(`${name}.patch.json`)) as unknown[];
      if (golden.denial !== null) {
        strictEqual(response['allowed'], false);
        const status = response['status'] as { code: number; message: string };
        strictEqual(status.code, 403);
        ok(status.message.includes(golden.denial.message), `denial message: ${status.message}`);
        strictEqual(response['patch'], undefined);
        return;
      }
      strictEqual(response['allowed'], true);
      if (ops.length === 0) {
        strictEqual(response['patch'], undefined, 'no patch when there is nothing to change');
      } else {
        strictEqual(response['patchType'], 'JSONPatch');
        deepStrictEqual(JSON.parse(Buffer.from(response['patch'] as string, 'base64').toString('utf8')), ops);
      }
      deepStrictEqual(response['warnings'] ?? [], golden.warnings);
    });
  }
});
