import { deepStrictEqual, equal, match } from 'node:assert/strict';
import { decision, doc, pod, policySet, run } from './helpers.js';

describe('Audit: reports what a policy would do, never changes or denies the pod', () => {
  it('warns what it would inject and leaves the pod unchanged', () => {
    const s = policySet(
      doc('trial', {
        action: 'Audit',
        initContainers: [
          { name: 'a', image: 'x' },
          { name: 'b', image: 'x' },
        ],
      }),
    );
    const r = run(pod(), s);
    deepStrictEqual(r.patch, []);
    deepStrictEqual(r.warnings, ['audit: policy trial would inject init containers a, b']);
    equal(decision(r, 'trial')?.outcome, 'audit');
  });

  it('does not deny for a required policy that would deny, and says so', () => {
    const s = policySet(doc('app', { action: 'Audit', required: true }));
    const r = run(pod(), s);
    equal(r.denial, undefined);
    match(r.warnings[0] ?? '', /^audit: policy app would deny the pod: the pod already has a container named "app"/);
  });

  it('says why it would be skipped when a parameter is invalid', () => {
    const s = policySet(doc('p', { action: 'Audit', parameters: [{ name: 'x', pattern: '[0-9]+' }] }));
    const r = run(pod({ metadata: { annotations: { 'init-injector.io/p.x': 'abc' } } }), s);
    match(r.warnings[0] ?? '', /^audit: policy p would be skipped: annotation init-injector\.io\/p\.x="abc"/);
  });

  it('is silent when the policy does not match the pod', () => {
    const s = policySet(doc('p', { action: 'Audit', match: { podSelector: { matchLabels: { a: 'b' } } } }));
    deepStrictEqual(run(pod(), s).warnings, []);
  });

  it('does not block a later policy that injects the same name', () => {
    const s = policySet(
      doc('trial', { action: 'Audit', priority: 1, initContainers: [{ name: 'x', image: 'x' }] }),
      doc('real', { initContainers: [{ name: 'x', image: 'y' }] }),
    );
    deepStrictEqual(run(pod(), s).injected, ['real']);
  });
});

describe('warnings: few and short', () => {
  it('keeps at most 8 lines, each under 256 characters, and summarises the rest', () => {
    const docs = Array.from({ length: 12 }, (_, i) => doc(`p${i}`, { parameters: [{ name: 'x' }] }));
    const r = run(pod(), policySet(...docs));
    equal(r.warnings.length, 8);
    match(r.warnings[7] ?? '', /and 5 more/);
    for (const w of r.warnings) equal(w.length < 256, true);
  });
});
