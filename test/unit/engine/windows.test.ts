import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { podOs } from '../../../src/engine/os.js';
import { decision, doc, initNames, pod, policySet, run } from './helpers.js';

const LINUX_HARDENED = {
  initContainers: [
    {
      name: 'net-check',
      image: 'example.com/net-check:1',
      securityContext: {
        runAsUser: 65532,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
  ],
};

const windowsByField = pod({ spec: { os: { name: 'windows' } } });
const windowsBySelector = pod({ spec: { nodeSelector: { 'kubernetes.io/os': 'windows' } } });
const affinity = (terms: unknown[]) =>
  pod({
    spec: {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
    },
  });
const windowsTerm = { matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['windows'] }] };
const linuxTerm = { matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] };

describe('operating systems: a policy applies to the pods of the systems it lists', () => {
  it('reads a pod as Windows by spec.os.name, a nodeSelector, or every required affinity term', () => {
    equal(podOs(windowsByField).name, 'windows');
    equal(podOs(windowsBySelector).name, 'windows');
    equal(podOs(affinity([windowsTerm])).name, 'windows');
    equal(podOs(affinity([windowsTerm, windowsTerm])).name, 'windows');
  });

  it('reads a pod as Linux when it says nothing, or when one affinity term allows Linux', () => {
    equal(podOs(pod()).name, 'linux');
    equal(podOs(affinity([windowsTerm, linuxTerm])).name, 'linux');
    const mixed = { matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['windows', 'linux'] }] };
    equal(podOs(affinity([mixed])).name, 'linux');
    equal(
      podOs(pod({ spec: { os: { name: 'linux' }, nodeSelector: { 'kubernetes.io/os': 'windows' } } })).name,
      'linux',
    );
  });

  for (const [what, p] of [
    ['spec.os.name', windowsByField],
    ['nodeSelector kubernetes.io/os', windowsBySelector],
    ['required node affinity on kubernetes.io/os', affinity([windowsTerm])],
  ] as const) {
    it(`skips a default (Linux) policy for a Windows pod by ${what}, even a required one, without a warning`, () => {
      const r = run(p, policySet(doc('net-check', { ...LINUX_HARDENED, required: true })));
      equal(r.denial, undefined);
      deepStrictEqual(r.patch, []);
      equal(decision(r, 'net-check')?.reason, 'os_mismatch');
      equal(decision(r, 'net-check')?.detail, `the pod runs on windows (${what}); the policy targets linux`);
      deepStrictEqual(r.warnings, []);
    });
  }

  it('warns when a Windows pod requested a Linux-only OnRequest policy', () => {
    const p = pod({
      metadata: { annotations: { 'init-injector.io/request': 'certs' } },
      spec: { os: { name: 'windows' } },
    });
    const r = run(p, policySet(doc('certs', { mode: 'OnRequest' })));
    equal(decision(r, 'certs')?.reason, 'os_mismatch');
    match(
      r.warnings[0] ?? '',
      /policy certs skipped: the pod runs on windows \(spec\.os\.name\); the policy targets linux/,
    );
  });

  it('injects a policy that lists windows into a Windows pod, and one that lists both into either', () => {
    const win = policySet(doc('win-check', { operatingSystems: ['windows'] }));
    deepStrictEqual(run(windowsByField, win).injected, ['win-check']);
    equal(decision(run(pod(), win), 'win-check')?.reason, 'os_mismatch');
    const both = policySet(doc('any-check', { operatingSystems: ['linux', 'windows'] }));
    ok(initNames(run(windowsBySelector, both).mutated).includes('any-check'));
    ok(initNames(run(pod(), both).mutated).includes('any-check'));
  });
});
