import { deepStrictEqual, equal, match } from 'node:assert/strict';
import type { Pod } from '../../../src/kube/wire.js';
import { decision, doc, pod, policySet, run } from './helpers.js';

const proxy = {
  name: 'proxy',
  image: 'example.com/proxy:1',
  restartPolicy: 'Always',
  volumeMounts: [{ name: 'conf', mountPath: '/conf' }],
};
const migrate = { name: 'migrate', image: 'example.com/migrate:1' };
const withSidecar = pod({ spec: { initContainers: [migrate, proxy], volumes: [{ name: 'conf', emptyDir: {} }] } });

const certs = (spec: Record<string, unknown> = {}) =>
  doc('certs', {
    volumes: [{ name: 'certs', emptyDir: {} }],
    ...spec,
    volumeMounts: {
      mounts: [{ name: 'certs', mountPath: '/etc/certs', readOnly: true }],
      ...(spec['volumeMounts'] as object),
    },
  });
const mountsOf = (p: Pod, name: string) =>
  [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].find((c) => c.name === name)?.volumeMounts ?? [];

describe('native sidecars get the policy mounts', () => {
  it('by default, a sidecar that starts after the injected containers (Prepend) gets them after its own', () => {
    const r = run(withSidecar, policySet(certs()));
    deepStrictEqual(mountsOf(r.mutated, 'proxy'), [
      { name: 'conf', mountPath: '/conf' },
      { name: 'certs', mountPath: '/etc/certs', readOnly: true },
    ]);
    deepStrictEqual(mountsOf(r.mutated, 'app'), [{ name: 'certs', mountPath: '/etc/certs', readOnly: true }]);
    deepStrictEqual(mountsOf(r.mutated, 'migrate'), [], 'an ordinary init container gets nothing');
    deepStrictEqual(
      r.patch.filter((op) => op.path.includes('volumeMounts')).map((op) => op.path),
      ['/spec/initContainers/2/volumeMounts/1', '/spec/containers/0/volumeMounts'],
    );
  });

  it('with Append, the sidecar starts before the fetch and gets nothing; sidecars: All gives it anyway', () => {
    deepStrictEqual(mountsOf(run(withSidecar, policySet(certs({ placement: 'Append' }))).mutated, 'proxy'), [
      proxy.volumeMounts[0],
    ]);
    const all = run(withSidecar, policySet(certs({ placement: 'Append', volumeMounts: { sidecars: 'All' } })));
    equal(mountsOf(all.mutated, 'proxy').length, 2);
  });

  it('sidecars: None leaves them out, and a name list selects sidecars by name too', () => {
    equal(
      mountsOf(run(withSidecar, policySet(certs({ volumeMounts: { sidecars: 'None' } }))).mutated, 'proxy').length,
      1,
    );
    const named = run(withSidecar, policySet(certs({ volumeMounts: { containers: ['proxy'] } })));
    equal(mountsOf(named.mutated, 'proxy').length, 2);
    deepStrictEqual(mountsOf(named.mutated, 'app'), []);
  });

  it('a sidecar with no mounts yet gets a new list', () => {
    const bare = pod({ spec: { initContainers: [{ name: 'proxy', image: 'x', restartPolicy: 'Always' }] } });
    const r = run(bare, policySet(certs()));
    deepStrictEqual(mountsOf(r.mutated, 'proxy'), [{ name: 'certs', mountPath: '/etc/certs', readOnly: true }]);
  });

  it('a sidecar that uses the mountPath for something else is a mount conflict naming it', () => {
    const taken = pod({
      spec: {
        initContainers: [{ ...proxy, volumeMounts: [{ name: 'conf', mountPath: '/etc/certs' }] }],
        volumes: [{ name: 'conf', emptyDir: {} }],
      },
    });
    const r = run(taken, policySet(certs()));
    equal(decision(r, 'certs')?.reason, 'mount_conflict');
    match(r.warnings[0] ?? '', /sidecar "proxy" already uses mountPath "\/etc\/certs"/);
  });
});
