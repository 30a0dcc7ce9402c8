import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { diff } from '../../../src/engine/index.js';
import type { Pod } from '../../../src/kube/wire.js';
import { doc, pod, policySet, run } from './helpers.js';

const set = policySet(
  doc('certs', {
    volumes: [{ name: 'certs', emptyDir: {} }],
    volumeMounts: { containers: '*', mounts: [{ name: 'certs', mountPath: '/certs', readOnly: true }] },
  }),
);

describe('patch: name-keyed add ops, correct when parts of the pod are absent', () => {
  it('adds whole lists and the whole annotations map when they are absent', () => {
    const r = run(pod(), set);
    deepStrictEqual(
      r.patch.map((o) => [o.op, o.path]),
      [
        ['add', '/metadata/annotations'],
        ['add', '/spec/initContainers'],
        ['add', '/spec/volumes'],
        ['add', '/spec/containers/0/volumeMounts'],
      ],
    );
  });

  it('escapes annotation keys (RFC 6901) and adds one key when annotations exist', () => {
    const p = pod({ metadata: { annotations: { 'a/b~c': 'x' } } });
    const r = run(p, set);
    deepStrictEqual(r.patch[0], {
      op: 'add',
      path: '/metadata/annotations/init-injector.io~1injected',
      value: 'certs',
    });
    equal(r.mutated.metadata?.annotations?.['a/b~c'], 'x');
  });

  it('adds /metadata when the pod has no metadata at all', () => {
    const p = pod();
    delete p.metadata;
    const r = run(p, set, { namespace: 'shop' });
    const first = r.patch[0] as { op: string; path: string; value: { annotations: Record<string, string> } };
    deepStrictEqual([first.op, first.path, Object.keys(first.value)], ['add', '/metadata', ['annotations']]);
    equal(first.value.annotations['init-injector.io/injected'], 'certs');
    match(first.value.annotations['init-injector.io/digests'] ?? '', /^certs=[0-9a-f]{12}$/);
  });

  it('keeps managedFields, status and untouched containers as the same objects (no clone)', () => {
    const p = pod({
      metadata: { managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }] },
      spec: { containers: [{ name: 'app', image: 'a' }] },
    });
    p.status = { phase: 'Pending' };
    const r = run(p, set);
    equal(r.mutated.metadata?.managedFields, p.metadata?.managedFields);
    equal(r.mutated.status, p.status);
    ok(r.patch.every((o) => !o.path.includes('managedFields')));
  });

  it('a pod with annotation keys like __proto__ and constructor keeps them as data', () => {
    const p = JSON.parse(
      '{"metadata":{"name":"x","annotations":{"__proto__":"p","constructor":"c"}},"spec":{"containers":[{"name":"app","image":"a"}]}}',
    ) as Pod;
    const r = run(p, set);
    deepStrictEqual(Object.keys(r.mutated.metadata?.annotations ?? {}).sort(), [
      '__proto__',
      'constructor',
      'init-injector.io/digests',
      'init-injector.io/injected',
    ]);
    equal(Object.getPrototypeOf(r.mutated.metadata?.annotations), Object.prototype);
  });

  it('returns no ops when the two pods are the same object', () => {
    const p = pod();
    deepStrictEqual(diff(p, p), []);
  });

  it('falls back to a correct full diff when the change is not one the keyed ops express', () => {
    const before = pod();
    const after = pod({ spec: { containers: [{ name: 'app', image: 'changed' }] } });
    const ops = diff(before, after);
    deepStrictEqual(ops, [{ op: 'replace', path: '/spec/containers/0/image', value: 'changed' }]);
  });
});

describe('patch: null lists and maps (hand-written manifests) are treated as absent', () => {
  it('adds whole lists where the pod says null', () => {
    const p = JSON.parse(
      '{"metadata":{"name":"x","annotations":null},"spec":{"initContainers":null,"volumes":null,"containers":[{"name":"app","image":"a","volumeMounts":null}]}}',
    ) as Pod;
    const r = run(p, set);
    deepStrictEqual(
      r.patch.map((o) => o.path),
      ['/metadata/annotations', '/spec/initContainers', '/spec/volumes', '/spec/containers/0/volumeMounts'],
    );
  });
});
