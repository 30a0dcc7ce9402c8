// explain says when an anchor finds no init container and `placement` decides instead: the one
// placement decision that is neither a conflict nor a warning, so nothing else shows it.
import { equal, ok } from 'node:assert/strict';
import { explain } from '../../../src/cli/explanation.js';
import type { Pod } from '../../../src/kube/wire.js';
import { doc, pod, policySet } from '../engine/helpers.js';

const policies = policySet(
  doc('mesh', { priority: 10, initContainers: [{ name: 'mesh-proxy', image: 'example.com/mesh:1' }] }),
  doc('egress-check', { priority: 20, anchor: { after: 'mesh-proxy' } }),
  doc('fetch-certs', { priority: 30, placement: 'Append', anchor: { before: 'db-proxy' } }),
);

function detailOf(p: Pod, policy: string): string {
  const e = explain({
    object: 'Deployment default/web',
    pod: p,
    template: true,
    namespace: { name: 'default', labels: {} },
    policies,
  });
  const row = e.rows.find((r) => r.policy === policy);
  equal(row?.state, 'would-inject');
  return row.detail;
}

describe('explain: an anchor that finds no init container', () => {
  it('says that placement places the policy, naming the anchor and the placement', () => {
    equal(
      detailOf(pod(), 'fetch-certs'),
      'a new pod would get it; anchor before "db-proxy": the pod has no init container of that name, so placement Append places it',
    );
  });

  it("counts an earlier policy's container as found, as the engine does", () => {
    equal(detailOf(pod(), 'egress-check'), 'a new pod would get it');
  });

  it("counts the pod's own init containers as found", () => {
    const own = pod({ spec: { initContainers: [{ name: 'db-proxy', image: 'example.com/db:1' }] } });
    equal(detailOf(own, 'fetch-certs'), 'a new pod would get it');
  });

  it('says nothing for a policy without an anchor', () => {
    ok(!detailOf(pod(), 'mesh').includes('anchor'));
  });
});
