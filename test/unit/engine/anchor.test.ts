import { deepStrictEqual, equal, notEqual } from 'node:assert/strict';
import { ANNOTATION } from '../../../src/engine/annotations.js';
import type { Pod } from '../../../src/kube/wire.js';
import { doc, initNames, pod, policySet, run } from './helpers.js';

const migrate = { name: 'migrate', image: 'example.com/migrate:1' };
const proxy = { name: 'proxy', image: 'example.com/proxy:1', restartPolicy: 'Always' };
const meshed = pod({ spec: { initContainers: [migrate, proxy] } });
const anchored = (name: string, anchor: Record<string, string>, spec: Record<string, unknown> = {}) =>
  doc(name, { anchor, ...spec });
const mountsOf = (p: Pod, name: string) =>
  (p.spec?.initContainers ?? []).find((c) => c.name === name)?.volumeMounts ?? [];

describe('anchor: placement next to a named init container', () => {
  it('before: right before the named sidecar, after the ordinary init container before it', () => {
    const r = run(meshed, policySet(anchored('fetch', { before: 'proxy' })));
    deepStrictEqual(initNames(r.mutated), ['migrate', 'fetch', 'proxy']);
    deepStrictEqual(
      r.patch.filter((op) => op.path.startsWith('/spec/initContainers')).map((op) => op.path),
      ['/spec/initContainers/1'],
    );
  });

  it('after: right after the named sidecar, so it runs while the sidecar is up', () => {
    const r = run(meshed, policySet(anchored('probe', { after: 'proxy' })));
    deepStrictEqual(initNames(r.mutated), ['migrate', 'proxy', 'probe']);
  });

  it('falls back to placement when the pod has no init container of that name', () => {
    const plain = pod({ spec: { initContainers: [migrate] } });
    deepStrictEqual(initNames(run(plain, policySet(anchored('x', { after: 'proxy' }))).mutated), ['x', 'migrate']);
    deepStrictEqual(
      initNames(run(plain, policySet(anchored('x', { before: 'proxy' }, { placement: 'Append' }))).mutated),
      ['migrate', 'x'],
    );
  });

  it('does not take an app container of that name as the anchor', () => {
    const p = pod({ spec: { initContainers: [migrate], containers: [{ name: 'proxy', image: 'p' }] } });
    deepStrictEqual(initNames(run(p, policySet(anchored('x', { before: 'proxy' }))).mutated), ['x', 'migrate']);
  });

  it('finds a container an earlier policy of the same call injected, not a later one', () => {
    const vault = doc('vault', { priority: 10 });
    const late = doc('late', { priority: 300 });
    const r = run(meshed, policySet(vault, anchored('reader', { after: 'vault' }), late));
    // late is a Prepend policy: it goes right after the earlier Prepend containers (vault), which
    // keeps reader after its anchor though no longer next to it.
    deepStrictEqual(initNames(r.mutated), ['vault', 'late', 'reader', 'migrate', 'proxy']);
    const early = anchored('early', { after: 'late' }, { priority: 5 });
    deepStrictEqual(initNames(run(meshed, policySet(early, late)).mutated), ['early', 'late', 'migrate', 'proxy']);
  });

  it('keeps policy order among policies anchored to the same container, on either side', () => {
    const set = policySet(
      anchored('a1', { after: 'proxy' }, { priority: 1 }),
      anchored('a2', { after: 'proxy' }, { priority: 2 }),
      anchored('b1', { before: 'proxy' }, { priority: 3 }),
      anchored('b2', { before: 'proxy' }, { priority: 4 }),
    );
    deepStrictEqual(initNames(run(meshed, set).mutated), ['migrate', 'b1', 'b2', 'proxy', 'a1', 'a2']);
  });

  it('leaves Prepend and Append as they were: Prepend block in policy order, Append at the end', () => {
    const set = policySet(
      doc('p1', { priority: 1 }),
      anchored('first', { before: 'migrate' }, { priority: 2 }),
      doc('p2', { priority: 3 }),
      doc('tail', { priority: 4, placement: 'Append' }),
    );
    deepStrictEqual(initNames(run(meshed, set).mutated), ['p1', 'p2', 'first', 'migrate', 'proxy', 'tail']);
  });

  it('mounts into the sidecars that start after the containers (AfterInjected): none after the anchor, all before', () => {
    const certs = (anchor: Record<string, string>) =>
      anchored('certs', anchor, {
        volumes: [{ name: 'certs', emptyDir: {} }],
        volumeMounts: { mounts: [{ name: 'certs', mountPath: '/certs' }] },
      });
    const before = run(meshed, policySet(certs({ before: 'proxy' }))).mutated;
    deepStrictEqual(mountsOf(before, 'proxy'), [{ name: 'certs', mountPath: '/certs' }]);
    const after = run(meshed, policySet(certs({ after: 'proxy' }))).mutated;
    deepStrictEqual(mountsOf(after, 'proxy'), []);
  });

  it('is placed once: a re-invocation finds it present wherever it stands', () => {
    const set = policySet(anchored('fetch', { before: 'proxy' }));
    const once = run(meshed, set).mutated;
    const twice = run(once, set);
    deepStrictEqual(twice.patch, []);
    equal(twice.decisions[0]?.outcome, 'present');
  });

  it('enters the render digest only when set, and by its side and name', () => {
    const digest = (d: ReturnType<typeof doc>) =>
      run(pod(), policySet(d)).mutated.metadata?.annotations?.[ANNOTATION.digests] ?? '';
    const plain = digest(doc('x'));
    notEqual(digest(anchored('x', { before: 'proxy' })), plain);
    notEqual(digest(anchored('x', { before: 'proxy' })), digest(anchored('x', { after: 'proxy' })));
    notEqual(digest(anchored('x', { before: 'proxy' })), digest(anchored('x', { before: 'mesh' })));
  });
});
