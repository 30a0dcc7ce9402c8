// The kustomize base and the Helm chart each carry a copy of policies/*.yaml (neither tool may read
// files outside its directory). This keeps the copies and the configMapGenerator file list exact, and
// checks that both installs mount every shipped policy. `npx tsx test/deploy/support/policies.ts` (or
// UPDATE_DEPLOY=1 on this test) rewrites the copies.
import { deepStrictEqual } from 'node:assert/strict';
import { shippedPolicyNames, stalePolicyCopies, syncPolicyCopies } from './support/policies.js';
import { MODES, one, renderChart, renderOverlay, type KubeObject } from './support/render.js';

describe('deploy: the shipped policies in the kustomize base and the Helm chart', function () {
  this.timeout(60_000);

  it('are identical to policies/*.yaml (refresh with: npx tsx test/deploy/support/policies.ts)', () => {
    if (process.env['UPDATE_DEPLOY'] === '1') syncPolicyCopies();
    deepStrictEqual(stalePolicyCopies(), []);
  });

  for (const mode of MODES) {
    it(`are all in the policies ConfigMap of the ${mode} overlay and chart`, () => {
      const keys = (o: KubeObject) => Object.keys((o['data'] as Record<string, string> | undefined) ?? {}).sort();
      deepStrictEqual(keys(one(renderOverlay(mode), 'ConfigMap')), shippedPolicyNames());
      deepStrictEqual(keys(one(renderChart([`mode=${mode}`]), 'ConfigMap')), shippedPolicyNames());
    });
  }
});
