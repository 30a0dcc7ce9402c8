import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { decision, doc, initNames, pod, policySet, run } from './helpers.js';

const clash = pod({
  spec: {
    containers: [
      { name: 'app', image: 'nginx' },
      { name: 'network-check', image: 'mine' },
    ],
  },
});

describe('name conflicts: a name used by any container, init container or ephemeral container', () => {
  it('Skip: skips the policy with a warning and leaves the pod unchanged', () => {
    const r = run(clash, policySet(doc('network-check')));
    equal(decision(r, 'network-check')?.reason, 'name_conflict');
    deepStrictEqual(r.patch, []);
    match(r.warnings[0] ?? '', /network-check skipped: the pod already has a container named "network-check"/);
  });

  it('Fail: denies the pod and says the policy has onConflict: Fail', () => {
    const r = run(clash, policySet(doc('network-check', { onConflict: 'Fail' })));
    equal(r.denial?.reason, 'name_conflict');
    match(r.denial.message, /policy "network-check" has onConflict: Fail/);
    deepStrictEqual(r.patch, []);
  });

  it('required: denies even with onConflict: Skip', () => {
    const r = run(clash, policySet(doc('network-check', { required: true })));
    match(
      r.denial?.message ?? '',
      /policy "network-check" is required and cannot be applied: the pod already has a container named "network-check"/,
    );
  });

  for (const where of ['initContainers', 'ephemeralContainers'] as const) {
    it(`counts names in ${where}`, () => {
      const p = pod({ spec: { [where]: [{ name: 'network-check', image: 'x' }] } });
      equal(decision(run(p, policySet(doc('network-check'))), 'network-check')?.reason, 'name_conflict');
    });
  }

  it('applies a policy whole or not at all: one clashing container skips them all', () => {
    const s = policySet(
      doc('pair', {
        initContainers: [
          { name: 'free', image: 'x' },
          { name: 'app', image: 'x' },
        ],
      }),
    );
    const r = run(pod(), s);
    deepStrictEqual(r.patch, []);
    equal(decision(r, 'pair')?.reason, 'name_conflict');
  });

  it('the later of two policies injecting the same name meets the conflict', () => {
    const s = policySet(
      doc('first', { initContainers: [{ name: 'shared', image: 'x' }] }),
      doc('second', { initContainers: [{ name: 'shared', image: 'y' }] }),
    );
    const r = run(pod(), s);
    deepStrictEqual(r.injected, ['first']);
    match(decision(r, 'second')?.detail ?? '', /already injected by policy "first"/);
  });
});

describe('volumes: identical ones are shared, different ones with the same name conflict', () => {
  const vol = { name: 'certs', emptyDir: {} };

  it('adds a policy volume the pod lacks', () => {
    const r = run(pod(), policySet(doc('v', { volumes: [vol] })));
    deepStrictEqual(r.mutated.spec?.volumes, [vol]);
    ok(r.patch.some((o) => o.path === '/spec/volumes'));
  });

  it('shares an identical pod volume instead of duplicating it', () => {
    const r = run(
      pod({ spec: { volumes: [{ name: 'certs', emptyDir: {} }] } }),
      policySet(doc('v', { volumes: [vol] })),
    );
    deepStrictEqual(r.injected, ['v']);
    equal(r.mutated.spec?.volumes?.length, 1);
  });

  it('adds a volume shared by two policies once', () => {
    const r = run(pod(), policySet(doc('a', { volumes: [vol] }), doc('b', { volumes: [vol] })));
    deepStrictEqual(r.injected, ['a', 'b']);
    deepStrictEqual(r.mutated.spec?.volumes, [vol]);
  });

  it('appends with one op per volume at its index when the pod has volumes', () => {
    const r = run(
      pod({ spec: { volumes: [{ name: 'data', emptyDir: {} }] } }),
      policySet(doc('v', { volumes: [vol] })),
    );
    ok(r.patch.some((o) => o.path === '/spec/volumes/1'));
  });

  it('shares a pod volume that differs only by the defaults the API server fills in', () => {
    const secret = { name: 'tls', secret: { secretName: 'web-tls' } };
    const defaulted = pod({
      spec: { volumes: [{ name: 'tls', secret: { secretName: 'web-tls', defaultMode: 420 } }] },
    });
    const r = run(defaulted, policySet(doc('v', { volumes: [secret] })));
    deepStrictEqual(r.injected, ['v']);
    equal(r.mutated.spec?.volumes?.length, 1);
    const other = pod({ spec: { volumes: [{ name: 'tls', secret: { secretName: 'web-tls', defaultMode: 256 } }] } });
    equal(decision(run(other, policySet(doc('v', { volumes: [secret] }))), 'v')?.reason, 'volume_conflict');
  });

  it('conflicts on a same-named volume with a different definition', () => {
    const p = pod({ spec: { volumes: [{ name: 'certs', emptyDir: { medium: 'Memory' } }] } });
    const r = run(p, policySet(doc('v', { volumes: [vol] })));
    equal(decision(r, 'v')?.reason, 'volume_conflict');
    equal(run(p, policySet(doc('v', { volumes: [vol], required: true }))).denial?.reason, 'volume_conflict');
  });
});

describe('volumeMounts: added to the named app containers or all with "*"', () => {
  const mount = { name: 'certs', mountPath: '/etc/certs', readOnly: true };
  const twoApps = pod({
    spec: {
      containers: [
        { name: 'app', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'sidecar', image: 'envoy' },
      ],
    },
  });
  const mounting = (containers: unknown, extra: Record<string, unknown> = {}) =>
    policySet(
      doc('m', { volumes: [{ name: 'certs', emptyDir: {} }], volumeMounts: { containers, mounts: [mount] }, ...extra }),
    );

  it('mounts into every app container with "*", appending to existing lists and creating absent ones', () => {
    const r = run(twoApps, mounting('*'));
    deepStrictEqual(
      r.mutated.spec?.containers.map((c) => c.volumeMounts?.map((m) => m.mountPath)),
      [['/data', '/etc/certs'], ['/etc/certs']],
    );
    deepStrictEqual(
      r.patch.filter((o) => o.path.startsWith('/spec/containers')).map((o) => o.path),
      ['/spec/containers/0/volumeMounts/1', '/spec/containers/1/volumeMounts'],
    );
  });

  it('mounts only into the named containers, and a name the pod lacks is not an error', () => {
    const r = run(twoApps, mounting(['sidecar', 'not-here']));
    deepStrictEqual(r.injected, ['m']);
    equal(r.mutated.spec?.containers[0], twoApps.spec?.containers[0]);
    deepStrictEqual(r.mutated.spec?.containers[1]?.volumeMounts, [mount]);
  });

  it("never mounts into the pod's init containers", () => {
    const p = pod({ spec: { initContainers: [{ name: 'own', image: 'x' }] } });
    const r = run(p, mounting('*'));
    equal(r.mutated.spec?.initContainers?.[1], p.spec?.initContainers?.[0]);
  });

  it('conflicts when the container already uses the mountPath for something else', () => {
    const p = pod({
      spec: { containers: [{ name: 'app', image: 'x', volumeMounts: [{ name: 'other', mountPath: '/etc/certs' }] }] },
    });
    const r = run(p, mounting('*'));
    equal(decision(r, 'm')?.reason, 'mount_conflict');
    match(decision(r, 'm')?.detail ?? '', /container "app" already uses mountPath "\/etc\/certs"/);
    equal(run(p, mounting('*', { onConflict: 'Fail' })).denial?.reason, 'mount_conflict');
  });

  it('does not duplicate a mount identical to one the container has', () => {
    const p = pod({ spec: { containers: [{ name: 'app', image: 'x', volumeMounts: [{ ...mount }] }] } });
    const r = run(p, mounting('*'));
    deepStrictEqual(r.injected, ['m']);
    equal(r.mutated.spec?.containers[0]?.volumeMounts?.length, 1);
    deepStrictEqual(initNames(r.mutated), ['m']);
  });
});
