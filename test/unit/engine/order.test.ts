import { deepStrictEqual, equal } from 'node:assert/strict';
import { doc, initNames, pod, policySet, run } from './helpers.js';

const two = (name: string) => [
  { name: `${name}-1`, image: 'busybox:1.36' },
  { name: `${name}-2`, image: 'busybox:1.36' },
];

describe("order: (priority, name), Prepend before the pod's own init containers, Append after", () => {
  const set = policySet(
    doc('zeta', { priority: 10, initContainers: two('zeta') }),
    doc('alpha', { priority: 50 }),
    doc('beta', { priority: 50 }),
    doc('late', { priority: 5, placement: 'Append', initContainers: two('late') }),
    doc('later', { priority: 200, placement: 'Append' }),
  );
  const own = [
    { name: 'own-1', image: 'busybox:1.36', command: ['true'] },
    { name: 'own-2', image: 'busybox:1.36' },
  ];

  it('orders by priority, then name; each policy keeps its containers in listed order', () => {
    const r = run(pod({ spec: { initContainers: own } }), set);
    deepStrictEqual(initNames(r.mutated), [
      'zeta-1',
      'zeta-2',
      'alpha',
      'beta',
      'own-1',
      'own-2',
      'late-1',
      'late-2',
      'later',
    ]);
    deepStrictEqual(r.injected, ['late', 'zeta', 'alpha', 'beta', 'later']);
  });

  it("leaves the pod's own init containers unchanged (same objects, no field rewrites)", () => {
    const p = pod({ spec: { initContainers: own } });
    const r = run(p, set);
    equal(r.mutated.spec?.initContainers?.[4], p.spec?.initContainers?.[0]);
    for (const op of r.patch) equal(op.op, 'add');
  });

  it('writes init-injector.io/injected with every applied policy in policy order', () => {
    const r = run(pod(), set);
    equal(r.mutated.metadata?.annotations?.['init-injector.io/injected'], 'late,zeta,alpha,beta,later');
  });

  it('emits one add per injected container at its final index, ascending', () => {
    const r = run(pod({ spec: { initContainers: own } }), set);
    deepStrictEqual(
      r.patch.filter((o) => o.path.startsWith('/spec/initContainers')).map((o) => o.path),
      [0, 1, 2, 3, 6, 7, 8].map((i) => `/spec/initContainers/${i}`),
    );
  });

  it('adds the whole list in one op when the pod has no init containers', () => {
    const r = run(pod(), set);
    const ops = r.patch.filter((o) => o.path.startsWith('/spec/initContainers'));
    deepStrictEqual(
      ops.map((o) => o.path),
      ['/spec/initContainers'],
    );
  });

  it('adds the whole list in one op when initContainers is an empty list', () => {
    const r = run(pod({ spec: { initContainers: [] } }), set);
    deepStrictEqual(
      r.patch.filter((o) => o.path.startsWith('/spec/initContainers')).map((o) => o.path),
      ['/spec/initContainers'],
    );
  });

  it('gives the same bytes for the same input (determinism)', () => {
    const p = pod({ spec: { initContainers: own } });
    equal(JSON.stringify(run(p, set)), JSON.stringify(run(p, set)));
  });
});
