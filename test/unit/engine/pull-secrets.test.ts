import { deepStrictEqual, equal, notEqual } from 'node:assert/strict';
import { ANNOTATION } from '../../../src/engine/annotations.js';
import type { Pod } from '../../../src/kube/wire.js';
import { decision, doc, pod, policySet, run } from './helpers.js';

const secretsOf = (p: Pod): unknown => p.spec?.imagePullSecrets;
const fetcher = (secrets: string[], spec: Record<string, unknown> = {}) =>
  doc('fetcher', { imagePullSecrets: secrets.map((name) => ({ name })), ...spec });

describe('imagePullSecrets: merged into the pod by name', () => {
  it('creates the list with one op when the pod has none', () => {
    const r = run(pod(), policySet(fetcher(['private-registry'])));
    deepStrictEqual(secretsOf(r.mutated), [{ name: 'private-registry' }]);
    deepStrictEqual(
      r.patch.filter((op) => op.path.startsWith('/spec/imagePullSecrets')),
      [{ op: 'add', path: '/spec/imagePullSecrets', value: [{ name: 'private-registry' }] }],
    );
  });

  it('appends only the names the pod lacks, one add op each, after the pod entries', () => {
    const p = pod({ spec: { imagePullSecrets: [{ name: 'team' }, { name: 'mirror' }] } });
    const r = run(p, policySet(fetcher(['mirror', 'private-registry'])));
    deepStrictEqual(secretsOf(r.mutated), [{ name: 'team' }, { name: 'mirror' }, { name: 'private-registry' }]);
    deepStrictEqual(
      r.patch.filter((op) => op.path.startsWith('/spec/imagePullSecrets')),
      [{ op: 'add', path: '/spec/imagePullSecrets/2', value: { name: 'private-registry' } }],
    );
  });

  it('adds nothing to the list when the pod already names every secret', () => {
    const p = pod({ spec: { imagePullSecrets: [{ name: 'private-registry' }] } });
    const r = run(p, policySet(fetcher(['private-registry'])));
    equal(decision(r, 'fetcher')?.outcome, 'inject');
    equal(
      r.patch.some((op) => op.path.startsWith('/spec/imagePullSecrets')),
      false,
    );
  });

  it('never duplicates a name two policies share; the list follows policy order', () => {
    const second = doc('second', { priority: 200, imagePullSecrets: [{ name: 'shared' }, { name: 'own' }] });
    const r = run(pod(), policySet(fetcher(['shared']), second));
    deepStrictEqual(secretsOf(r.mutated), [{ name: 'shared' }, { name: 'own' }]);
  });

  it('is added only with the containers: a skipped, denied or Audit policy adds no secret', () => {
    const taken = pod({ spec: { initContainers: [{ name: 'fetcher', image: 'other' }] } });
    const skipped = run(taken, policySet(fetcher(['private-registry'])));
    equal(decision(skipped, 'fetcher')?.reason, 'name_conflict');
    deepStrictEqual(skipped.patch, []);
    const audit = run(pod(), policySet(fetcher(['private-registry'], { action: 'Audit' })));
    deepStrictEqual(audit.patch, []);
  });

  it('tolerates a pod list with null and nameless entries, keeping them as they are', () => {
    const p = pod({ spec: { imagePullSecrets: [null, {}, { name: 'team' }] } });
    const r = run(p, policySet(fetcher(['private-registry'])));
    deepStrictEqual(secretsOf(r.mutated), [null, {}, { name: 'team' }, { name: 'private-registry' }]);
  });

  it('is part of "present": a pod that carries the containers but not the secret is not the policy applied', () => {
    const set = policySet(fetcher(['private-registry']));
    const injected = run(pod(), set).mutated;
    const withoutSecret = JSON.parse(JSON.stringify(injected)) as Pod;
    withoutSecret.spec?.imagePullSecrets?.pop();
    const again = run(withoutSecret, set);
    equal(decision(again, 'fetcher')?.reason, 'name_conflict');
    equal(decision(run(injected, set), 'fetcher')?.outcome, 'present');
  });

  it('is part of the render digest only when set, so policies without it keep their digests', () => {
    const digest = (d: ReturnType<typeof doc>): string => {
      const annotations = run(pod(), policySet(d)).mutated.metadata?.annotations ?? {};
      return annotations[ANNOTATION.digests] ?? '';
    };
    const plain = digest(doc('fetcher'));
    equal(digest(fetcher([])), plain);
    notEqual(digest(fetcher(['a'])), plain);
    notEqual(digest(fetcher(['a'])), digest(fetcher(['b'])));
  });
});
