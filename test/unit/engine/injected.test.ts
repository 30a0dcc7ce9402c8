/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's model classes are the wire shapes here; test pods are plain JSON objects, never instances. */
import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { mutate } from '../../../src/engine/index.js';
import { SERVICE_ACCOUNT_MOUNT_PATH } from '../../../src/engine/present.js';
import { decision, doc, initNames, pod, policySet, run } from './helpers.js';

const set = policySet(doc('network-check', { required: true }), doc('init-demo', { priority: 200 }));

describe('already applied: listed in init-injector.io/injected with its containers present', () => {
  it('re-invocation on the mutated pod gives an empty patch and outcome present', () => {
    const first = run(pod(), set);
    const again = mutate({ pod: first.mutated, namespace: { name: 'default', labels: {} }, policies: set });
    deepStrictEqual(again.patch, []);
    deepStrictEqual(
      again.decisions.map((d) => d.outcome),
      ['present', 'present'],
    );
    deepStrictEqual(again.injected, []);
    equal(again.mutated, first.mutated);
  });

  it('a policy added to the set later is injected next to the present ones, and the annotation lists all in order', () => {
    const first = run(pod(), policySet(doc('init-demo', { priority: 200 })));
    const r = run(first.mutated, set);
    deepStrictEqual(r.injected, ['network-check']);
    equal(r.mutated.metadata?.annotations?.['init-injector.io/injected'], 'network-check,init-demo');
    deepStrictEqual(initNames(r.mutated), ['network-check', 'init-demo']);
    deepStrictEqual(
      r.patch.map((o) => o.path),
      [
        '/metadata/annotations/init-injector.io~1injected',
        '/metadata/annotations/init-injector.io~1digests',
        '/spec/initContainers/0',
      ],
    );
    // The present policy keeps the digest it was recorded with: nothing about it changed.
    const digests = r.mutated.metadata.annotations['init-injector.io/digests'] ?? '';
    ok(digests.endsWith(first.mutated.metadata?.annotations?.['init-injector.io/digests'] ?? '?'), digests);
    ok(digests.startsWith('network-check='), digests);
  });

  it('still counts as present after the API server defaults fields of the injected container', () => {
    const first = run(pod(), set);
    const defaulted = structuredClone(first.mutated);
    for (const c of defaulted.spec?.initContainers ?? [])
      Object.assign(c, { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' });
    deepStrictEqual(run(defaulted, set).patch, []);
  });

  it('still counts as present after ServiceAccount admission mounts the token into the injected containers', () => {
    const first = run(pod(), set);
    const admitted = structuredClone(first.mutated);
    for (const c of admitted.spec?.initContainers ?? [])
      c.volumeMounts = [
        ...(c.volumeMounts ?? []),
        { name: 'kube-api-access-7xk2p', mountPath: SERVICE_ACCOUNT_MOUNT_PATH, readOnly: true },
      ];
    const again = run(admitted, set);
    deepStrictEqual(again.patch, []);
    deepStrictEqual(
      again.decisions.map((d) => d.outcome),
      ['present', 'present'],
    );
  });

  it('any other extra mount on an injected container (or a writable token path) makes it a look-alike', () => {
    const first = run(pod(), set);
    for (const mount of [
      { name: 'tools', mountPath: '/bin' },
      { name: 'kube-api-access-7xk2p', mountPath: SERVICE_ACCOUNT_MOUNT_PATH },
    ]) {
      const admitted = structuredClone(first.mutated);
      const check = admitted.spec?.initContainers?.find((c) => c.name === 'network-check');
      check!.volumeMounts = [...(check!.volumeMounts ?? []), mount];
      equal(run(admitted, set).denial?.reason, 'name_conflict', mount.mountPath);
    }
  });
});

describe('spoofing: a pod cannot fake or replace what a policy injects', () => {
  it('a forged injected annotation without the containers still gets them', () => {
    const r = run(pod({ metadata: { annotations: { 'init-injector.io/injected': 'network-check,init-demo' } } }), set);
    deepStrictEqual(r.injected, ['network-check', 'init-demo']);
    deepStrictEqual(initNames(r.mutated), ['network-check', 'init-demo']);
  });

  it('a pod that pre-declares the init container of a required policy is denied', () => {
    const p = pod({ spec: { initContainers: [{ name: 'network-check', image: 'evil:latest', command: ['true'] }] } });
    const r = run(p, set);
    equal(r.denial?.policy, 'network-check');
    match(r.denial.message, /is required and cannot be applied: the pod already has a container named "network-check"/);
  });

  it('a forged annotation plus a look-alike container (another image) is still denied', () => {
    const p = pod({
      metadata: { annotations: { 'init-injector.io/injected': 'network-check' } },
      spec: { initContainers: [{ name: 'network-check', image: 'evil:latest' }] },
    });
    equal(run(p, set).denial?.reason, 'name_conflict');
  });

  it('a look-alike with the same image but other args is not present either', () => {
    const s = policySet(
      doc('check', { required: true, initContainers: [{ name: 'check', image: 'c:1', args: ['--strict'] }] }),
    );
    const p = pod({
      metadata: { annotations: { 'init-injector.io/injected': 'check' } },
      spec: { initContainers: [{ name: 'check', image: 'c:1', args: ['--skip'] }] },
    });
    equal(run(p, s).denial?.reason, 'name_conflict');
  });

  it('opting out does not switch off a required policy', () => {
    const r = run(pod({ metadata: { annotations: { 'init-injector.io/inject': 'false' } } }), set);
    deepStrictEqual(r.injected, ['network-check']);
    equal(decision(r, 'init-demo')?.reason, 'opted_out');
  });
});
