/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   client-node's models are classes, but Kubernetes objects here are plain JSON as on the wire (src/kube/wire.ts). */
// Spoofing (docs/reliability.md §4): a pod author must not be able to replace, skip or switch off a
// required policy by declaring containers, volumes or annotations of their own.
import { deepStrictEqual, ok } from 'node:assert/strict';
import type { Container } from '../../src/kube/wire.js';
import { initContainer, pod, policy, run } from './support/build.js';

const REAL: Container = {
  name: 'net-check',
  image: 'registry.example.com/net-check:1.0',
  args: ['--target', '1.1.1.1'],
};
const required = policy('net-check', {
  required: true,
  initContainers: [REAL],
  volumes: [{ name: 'net-cfg', emptyDir: {} }],
});
const optional = policy('cert-fetch', {
  initContainers: [{ name: 'cert-fetch', image: 'registry.example.com/cert:1.0' }],
});
const CHECK: Container = {
  name: 'net-check',
  image: 'registry.example.com/net-check:1.0',
  args: ['--wait'],
  env: [{ name: 'TARGET', value: '1.1.1.1' }],
};
const checkPolicy = policy('net-check', { required: true, initContainers: [CHECK] });
const FAKE: Container = { name: 'net-check', image: 'evil.example.com/always-ok:latest', command: ['true'] };

describe('reliability: spoofing a required policy', () => {
  const places: [string, Parameters<typeof pod>[0]][] = [
    ['an init container', { initContainers: [FAKE] }],
    ['an app container', { containers: [{ name: 'app', image: 'nginx:1.27' }, FAKE] }],
    ['an ephemeral container', { ephemeral: [FAKE] }],
    ['a native sidecar', { initContainers: [{ ...FAKE, restartPolicy: 'Always' }] }],
  ];
  for (const [where, spec] of places) {
    it(`denies a pod that pre-declares ${where} named like the required policy's container`, () => {
      const r = run([required], pod(spec));
      deepStrictEqual(r.patch, []);
      deepStrictEqual(r.denial?.policy, 'net-check');
      deepStrictEqual(r.denial.reason, 'name_conflict');
      ok(r.denial.message.includes('net-check'), r.denial.message);
    });
  }

  it('denies a pre-declared look-alike container even when the pod also forges init-injector.io/injected', () => {
    const r = run(
      [required],
      pod({ initContainers: [FAKE], annotations: { 'init-injector.io/injected': 'net-check' } }),
    );
    deepStrictEqual(
      r.denial?.policy,
      'net-check',
      `forged annotation + own container was accepted: ${JSON.stringify(r.decisions)}`,
    );
    deepStrictEqual(r.patch, []);
  });

  it('denies a pod whose container keeps the name and image but changes the command, even with the forged annotation', () => {
    const tampered = { ...REAL, args: ['--target', '127.0.0.1'], command: ['true'] };
    const r = run(
      [required],
      pod({ initContainers: [tampered], annotations: { 'init-injector.io/injected': 'net-check' } }),
    );
    deepStrictEqual(r.denial?.policy, 'net-check', JSON.stringify(r.decisions));
  });

  // Same name, image, command and args as the real check, plus the forged annotation: what else a
  // pod author can change to neuter the check while looking "already injected".
  const neutered: [string, Container][] = [
    [
      'points the check elsewhere through an env value the policy sets',
      { ...CHECK, env: [{ name: 'TARGET', value: '127.0.0.1' }] },
    ],
    ['turns the blocking check into a native sidecar (restartPolicy: Always)', { ...CHECK, restartPolicy: 'Always' }],
    ['drops the env the policy sets', { ...CHECK, env: [] }],
  ];
  for (const [what, fake] of neutered) {
    it(`denies a pre-declared copy of the required check that ${what}, even with the forged annotation`, () => {
      const r = run(
        [checkPolicy],
        pod({ initContainers: [fake], annotations: { 'init-injector.io/injected': 'net-check' } }),
      );
      deepStrictEqual(r.denial?.policy, 'net-check', `accepted as already injected: ${JSON.stringify(r.decisions)}`);
      deepStrictEqual(r.patch, []);
    });
  }
  it('accepts its own injected check back on reinvocation with API-server defaults added (the control for the tests above)', () => {
    const first = run([checkPolicy], pod());
    const own = first.mutated.spec?.initContainers?.[0];
    const defaulted = {
      ...own!,
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: {},
    };
    const again = run([checkPolicy], {
      ...first.mutated,
      spec: { ...first.mutated.spec!, initContainers: [defaulted] },
    });
    deepStrictEqual([again.denial, again.patch], [undefined, []]);
  });

  it('denies a pod that declares the required policy volume with another definition (hostPath for emptyDir)', () => {
    const r = run([required], pod({ volumes: [{ name: 'net-cfg', hostPath: { path: '/etc' } }] }));
    deepStrictEqual(r.denial?.policy, 'net-check');
    deepStrictEqual(r.denial.reason, 'volume_conflict');
  });

  for (const forged of ['net-check', 'net-check,cert-fetch', 'cert-fetch,net-check,unknown']) {
    it(`injects every container although the pod forges init-injector.io/injected: "${forged}"`, () => {
      const r = run([required, optional], pod({ annotations: { 'init-injector.io/injected': forged } }));
      deepStrictEqual(r.denial, undefined);
      deepStrictEqual(initContainer(r, 'net-check'), REAL);
      ok(initContainer(r, 'cert-fetch') !== undefined, 'the optional policy was not injected');
      deepStrictEqual([...r.injected].sort(), ['cert-fetch', 'net-check']);
    });
  }

  for (const optOut of ['false', 'False', 'FALSE', '0', 'no']) {
    it(`keeps a required policy when the pod says init-injector.io/inject: "${optOut}"`, () => {
      const r = run([required, optional], pod({ annotations: { 'init-injector.io/inject': optOut } }));
      deepStrictEqual(initContainer(r, 'net-check'), REAL);
      deepStrictEqual(r.denial, undefined);
    });
  }

  it('still honours the opt-out for an optional policy (the control for the test above)', () => {
    const r = run([required, optional], pod({ annotations: { 'init-injector.io/inject': 'false' } }));
    deepStrictEqual(initContainer(r, 'cert-fetch'), undefined);
    ok(
      r.decisions.some((d) => d.policy === 'cert-fetch' && d.reason === 'opted_out'),
      JSON.stringify(r.decisions),
    );
  });

  it('keeps a required policy when the pod lists only other policies in init-injector.io/request', () => {
    const r = run([required, optional], pod({ annotations: { 'init-injector.io/request': 'cert-fetch' } }));
    deepStrictEqual(initContainer(r, 'net-check'), REAL);
  });
});
