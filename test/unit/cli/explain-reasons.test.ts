// explain gives the engine's reason for every refusal of the decision table (docs/reasons.md): the
// same scenarios as the decision table test, read back through the explanation a person sees.
import { equal, ok } from 'node:assert/strict';
import { explain } from '../../../src/cli/explanation.js';
import type { NamespaceInfo } from '../../../src/engine/types.js';
import { doc, policySet } from '../engine/helpers.js';
import { SCENARIOS } from '../engine/refusal-scenarios.js';

describe('explain: the reason of every refusal', () => {
  for (const [reason, scenario] of Object.entries(SCENARIOS)) {
    it(`${reason}: the row says skip/${reason}, not-applicable, with the engine's detail`, () => {
      const opts = scenario.opts ?? {};
      const namespace: NamespaceInfo = {
        name: opts.namespace ?? 'default',
        ...('labels' in opts ? (opts.labels ? { labels: opts.labels } : {}) : { labels: {} }),
      };
      const e = explain({
        object: 'Pod default/web',
        pod: scenario.pod,
        template: false,
        namespace,
        policies: policySet(doc('p', scenario.spec)),
      });
      const row = e.rows.find((r) => r.policy === 'p');
      equal(row?.decision, `skip/${reason}`);
      equal(row.state, 'not-applicable');
      ok(row.detail.length > 10, row.detail);
      equal(e.summary, 'current');
    });
  }
});
