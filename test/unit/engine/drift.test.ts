import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { drift, DriftState, type DriftReport } from '../../../src/engine/index.js';
import type { PolicySet } from '../../../src/engine/types.js';
import type { Pod } from '../../../src/kube/wire.js';
import { doc, pod, policySet, run } from './helpers.js';

const ns = { name: 'default', labels: {} };
const report = (p: Pod, set: PolicySet): DriftReport => drift({ pod: p, namespace: ns, policies: set });
const states = (r: DriftReport): Record<string, string> => Object.fromEntries(r.map((d) => [d.policy, d.state]));

const checker = (image = 'example.com/check:1', target = '127.0.0.1') =>
  doc('check', {
    parameters: [{ name: 'target', default: target }],
    initContainers: [{ name: 'check', image, args: ['{{ params.target }}'] }],
  });

describe('drift: a stored pod against the policy set in force now', () => {
  it('is current for every policy injected under the same set, with equal digests', () => {
    const set = policySet(checker(), doc('demo'));
    const injected = run(pod(), set).mutated;
    const r = report(injected, set);
    deepStrictEqual(states(r), { check: 'current', demo: 'current' });
    for (const d of r) equal(d.recorded, d.current);
  });

  it('is outdated when the policy renders something else now (new image), naming both digests', () => {
    const injected = run(pod(), policySet(checker())).mutated;
    const [d] = report(injected, policySet(checker('example.com/check:2')));
    equal(d?.state, DriftState.Outdated);
    ok(d.recorded !== undefined && d.current !== undefined && d.recorded !== d.current);
    match(d.detail, new RegExp(`renders ${d.current} for this pod now; the pod records ${d.recorded}`));
  });

  it('is outdated when a parameter default the pod uses changes, and current for a pod that set the value', () => {
    const old = policySet(checker());
    const now = policySet(checker('example.com/check:1', '10.0.0.1'));
    const usesDefault = run(pod(), old).mutated;
    const setsValue = run(
      pod({ metadata: { annotations: { 'init-injector.io/check.target': '127.0.0.1' } } }),
      old,
    ).mutated;
    equal(report(usesDefault, now)[0]?.state, DriftState.Outdated);
    equal(report(setsValue, now)[0]?.state, DriftState.Current);
  });

  it('stays current when only the description or the priority changes', () => {
    const injected = run(pod(), policySet(checker())).mutated;
    const edited = doc('check', { ...checker().spec, description: 'reworded', priority: 7 });
    equal(report(injected, policySet(edited))[0]?.state, DriftState.Current);
  });

  it('reports a policy that applies now but was never injected as missing (a pod admitted while the webhook was down)', () => {
    const r = report(pod(), policySet(checker()));
    equal(r[0]?.state, DriftState.Missing);
    equal(r[0].decision?.outcome, 'inject');
  });

  it('reports a required policy that would deny the pod now as missing, with the denial', () => {
    const required = doc('needs', { required: true, parameters: [{ name: 'url' }] });
    const [d] = report(pod(), policySet(required));
    equal(d?.state, DriftState.Missing);
    match(d.detail, /would deny the pod/);
  });

  it('reports a policy that does not apply as not-applicable, with the reason of its decision', () => {
    const onRequest = doc('later', { mode: 'OnRequest' });
    const [d] = report(pod(), policySet(onRequest));
    equal(d?.state, DriftState.NotApplicable);
    equal(d.decision?.reason, 'not_requested');
  });

  it('reports a recorded policy the set no longer has as removed', () => {
    const injected = run(pod(), policySet(checker(), doc('demo'))).mutated;
    const r = report(injected, policySet(doc('demo')));
    deepStrictEqual(states(r), { demo: 'current', check: 'removed' });
  });

  it('does not trust the annotation alone: a recorded, matching digest whose container was edited is outdated', () => {
    const set = policySet(checker());
    const injected = structuredClone(run(pod(), set).mutated);
    const container = injected.spec?.initContainers?.[0];
    ok(container);
    container.image = 'example.com/other:9';
    equal(report(injected, set)[0]?.state, DriftState.Outdated);
  });

  it('reads a pod from generateName as its admission saw it (no name), so {{ pod.name }} does not drift', () => {
    const named = doc('named', {
      initContainers: [{ name: 'named', image: 'example.com/n:1', env: [{ name: 'P', value: 'x{{ pod.name }}' }] }],
    });
    const set = policySet(named);
    const fromTemplate = pod({ metadata: { generateName: 'web-' } });
    delete fromTemplate.metadata?.name;
    const admitted = run(fromTemplate, set).mutated;
    const stored = structuredClone(admitted);
    ok(stored.metadata);
    stored.metadata.name = 'web-7x2kq';
    equal(report(stored, set)[0]?.state, DriftState.Current);
  });

  it('treats a pod injected before digests were recorded as current when its containers match', () => {
    const set = policySet(checker());
    const injected = structuredClone(run(pod(), set).mutated);
    delete injected.metadata?.annotations?.['init-injector.io/digests'];
    const [d] = report(injected, set);
    equal(d?.state, DriftState.Current);
    equal(d.recorded, undefined);
  });
});
