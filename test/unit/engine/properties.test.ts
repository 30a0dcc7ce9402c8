/**
 * Properties over generated pods (fast-check): mutate() never throws, its patch replays exactly
 * (checked inside run()), it is idempotent (also in run()), names stay unique, and nothing but init
 * containers, volumes, app container mounts and the injected annotation changes.
 */
import { deepStrictEqual, ok } from 'node:assert/strict';
import fc from 'fast-check';
import type { Pod } from '../../../src/kube/wire.js';
import { doc, policySet, run } from './helpers.js';

const set = policySet(
  doc('net', {
    priority: 10,
    parameters: [{ name: 't', default: 'a', pattern: '[a-z.]+' }],
    initContainers: [{ name: 'net', image: 'n', args: ['{{ params.t }}'] }],
  }),
  doc('certs', {
    imagePullSecrets: [{ name: 'registry' }, { name: 'mirror' }],
    volumes: [{ name: 'certs', emptyDir: {} }],
    volumeMounts: { containers: '*', mounts: [{ name: 'certs', mountPath: '/certs', readOnly: true }] },
  }),
  doc('tail', {
    placement: 'Append',
    imagePullSecrets: [{ name: 'mirror' }],
    initContainers: [
      { name: 'tail', image: 't' },
      { name: 'tail-2', image: 't' },
    ],
  }),
  doc('anchored', { anchor: { after: 'side' }, placement: 'Append' }),
  doc('opt', { mode: 'OnRequest', volumes: [{ name: 'shared', emptyDir: {} }] }),
  doc('strict', { required: true, onConflict: 'Fail', match: { podSelector: { matchLabels: { strict: 'yes' } } } }),
  doc('audit', { action: 'Audit', initContainers: [{ name: 'app', image: 'x' }] }),
);

const name = fc.constantFrom('app', 'net', 'certs', 'tail', 'tail-2', 'opt', 'strict', 'side', 'x');
const key = fc.constantFrom(
  'a',
  '__proto__',
  'constructor',
  'example.com/a~b',
  'init-injector.io/request',
  'init-injector.io/injected',
  'init-injector.io/net.t',
  'init-injector.io/inject',
);
const value = fc.oneof(
  fc.constantFrom('opt', 'net,tail', 'false', 'x.y', 'opt, certs ,nope'),
  fc.string({ maxLength: 12 }),
);
const mount = fc.record({
  name: fc.constantFrom('certs', 'shared', 'data'),
  mountPath: fc.constantFrom('/certs', '/data', '/x'),
});
const volume = fc.oneof(
  fc.record({ name: fc.constantFrom('certs', 'shared', 'data'), emptyDir: fc.constant({}) }),
  fc.record({ name: fc.constantFrom('certs', 'data'), emptyDir: fc.constant({ medium: 'Memory' }) }),
);
const container = fc.record(
  {
    name,
    image: fc.constantFrom('n', 't', 'x'),
    volumeMounts: fc.uniqueArray(mount, { selector: (m) => m.mountPath, maxLength: 2 }),
  },
  { requiredKeys: ['name', 'image'] },
);
const uniqueByName = <T extends { name: string }>(items: T[]): T[] =>
  items.filter((c, i) => items.findIndex((o) => o.name === c.name) === i);

const podArb = fc
  .record(
    {
      name: fc.constantFrom('web', 'api'),
      generateName: fc.constant('web-'),
      namespace: fc.constantFrom('', 'default'),
      labels: fc.dictionary(fc.constantFrom('strict', 'app', '__proto__'), fc.constantFrom('yes', 'no'), {
        maxKeys: 2,
      }),
      annotations: fc.dictionary(key, value, { maxKeys: 4 }),
      containers: fc.array(container, { minLength: 1, maxLength: 3 }),
      initContainers: fc.array(container, { maxLength: 3 }),
      ephemeralContainers: fc.array(container, { maxLength: 1 }),
      volumes: fc.uniqueArray(volume, { selector: (v) => v.name, maxLength: 2 }),
      // Duplicates included: the API server only warns about them, so a pod may arrive with some.
      imagePullSecrets: fc.array(fc.record({ name: fc.constantFrom('registry', 'mirror', 'team') }), { maxLength: 3 }),
    },
    { requiredKeys: ['containers'] },
  )
  .map((r): Pod => {
    // Names are unique across all three lists in a valid pod.
    const all = uniqueByName([...r.containers, ...(r.initContainers ?? []), ...(r.ephemeralContainers ?? [])]);
    const pick = (list: { name: string }[] | undefined) => list?.filter((c) => all.includes(c as never));
    const metadata: Record<string, unknown> = {};
    for (const k of ['name', 'generateName', 'namespace', 'labels', 'annotations'] as const)
      if (r[k] !== undefined) metadata[k] = r[k];
    const spec: Record<string, unknown> = {
      containers: pick(r.containers)?.length ? pick(r.containers) : [{ name: 'only', image: 'x' }],
    };
    for (const k of ['initContainers', 'ephemeralContainers', 'volumes'] as const)
      if (r[k] !== undefined) spec[k] = k === 'volumes' ? r[k] : pick(r[k]);
    if (r.imagePullSecrets !== undefined) spec['imagePullSecrets'] = r.imagePullSecrets;
    return JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata, spec })) as Pod;
  });

describe('properties: over generated pods, the engine keeps its invariants', () => {
  it('never throws; patches replay; re-running gives no patch; names stay unique; only allowed parts change', () => {
    fc.assert(
      fc.property(podArb, (p) => {
        const r = run(p, set, { namespace: 'default' });
        if (r.denial) return;
        const spec = r.mutated.spec;
        const names = [
          ...(spec?.containers ?? []),
          ...(spec?.initContainers ?? []),
          ...(spec?.ephemeralContainers ?? []),
        ].map((c) => c.name);
        deepStrictEqual(new Set(names).size, names.length, 'container names must stay unique');
        const secrets = (list: Pod['spec']) => (list?.imagePullSecrets ?? []).map((s) => s.name);
        const before = secrets(p.spec);
        const after = secrets(spec);
        deepStrictEqual(
          after.slice(0, before.length),
          before,
          "the pod's own imagePullSecrets stay first, as they were",
        );
        for (const name of after.slice(before.length))
          ok(after.filter((n) => n === name).length === 1, `imagePullSecrets name ${name ?? ''} added twice`);
        for (const injected of r.injected)
          for (const name of injected === 'certs' ? ['registry', 'mirror'] : injected === 'tail' ? ['mirror'] : [])
            ok(after.includes(name), `policy ${injected} was injected without its imagePullSecrets ${name}`);
        const init = (spec?.initContainers ?? []).map((c) => c.name);
        if (r.injected.includes('anchored')) {
          const side = init.indexOf('side');
          const at = init.indexOf('anchored');
          ok(
            side < 0
              ? at === init.length - 1 || init.slice(at + 1).every((n) => n === 'tail' || n === 'tail-2')
              : at > side,
            `anchored is not after its anchor (or, without one, Append-placed): ${init.join(',')}`,
          );
        }
        for (const op of r.patch) {
          ok(
            /^\/(metadata(\/annotations(\/init-injector\.io~1(injected|digests))?)?|spec\/(initContainers|volumes|imagePullSecrets)(\/\d+)?|spec\/containers\/\d+\/volumeMounts(\/\d+)?)$/.test(
              op.path,
            ),
            `unexpected patch path ${op.path}`,
          );
          ok(op.op === 'add', `unexpected op ${op.op}`);
        }
      }),
      { numRuns: 400 },
    );
  });
});
