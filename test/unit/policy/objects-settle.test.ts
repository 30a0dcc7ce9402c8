// InjectionPolicy objects are judged one by one: an object that turns invalid keeps its last valid
// generation in force while the others change, a new invalid object is not in force, a deleted or
// re-created object starts afresh; and the status written for each says exactly that.
import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { settle, type InForce } from '../../../src/policy/objects.js';
import { desiredStatus, statusPatch } from '../../../src/policy/object-status.js';

function object(name: string, generation: number, image: string, uid = `uid-${name}`): object {
  return {
    apiVersion: 'init-injector.io/v1alpha1',
    kind: 'InjectionPolicy',
    metadata: { name, uid, generation, resourceVersion: String(generation * 10) },
    spec: { initContainers: [{ name, image }] },
  };
}
/** Valid for the CRD's schema, refused by the webhook: a CEL condition that does not compile. */
function broken(name: string, generation: number, uid = `uid-${name}`): object {
  const o = object(name, generation, 'example.com/x:1', uid) as { spec: Record<string, unknown> };
  o.spec['match'] = { conditions: [{ name: 'bad', expression: 'object.metadata.name ==' }] };
  return o;
}
const images = (s: ReturnType<typeof settle>): Record<string, string | undefined> =>
  Object.fromEntries(s.set.policies.map((p) => [p.name, p.initContainers[0]?.image]));

describe('policy objects: settle', () => {
  it('puts every valid object in force as written', () => {
    const s = settle([object('b', 1, 'example.com/b:1'), object('a', 3, 'example.com/a:3')], new Map());
    deepStrictEqual(images(s), { a: 'example.com/a:3', b: 'example.com/b:1' });
    deepStrictEqual(
      s.outcomes.map((o) => [o.name, o.generation, o.inForce?.generation, o.problems.length]),
      [
        ['a', 3, 3, 0],
        ['b', 1, 1, 0],
      ],
    );
    equal(s.diagnostics.length, 0);
  });

  it('keeps the last valid generation of an object that turns invalid, while another object changes', () => {
    const first = settle([object('a', 1, 'example.com/a:1'), object('b', 1, 'example.com/b:1')], new Map());
    const second = settle([broken('a', 2), object('b', 2, 'example.com/b:2')], first.kept);
    deepStrictEqual(images(second), { a: 'example.com/a:1', b: 'example.com/b:2' });
    const a = second.outcomes.find((o) => o.name === 'a');
    deepStrictEqual([a?.generation, a?.inForce], [2, first.outcomes.find((o) => o.name === 'a')?.inForce]);
    match(a?.problems[0] ?? '', /^spec\.match\.conditions\[0\]\.expression: /);
    equal(second.diagnostics[0]?.file, 'injectionpolicy/a');
    // Fixed again: the new generation is in force.
    const third = settle([object('a', 3, 'example.com/a:3'), object('b', 2, 'example.com/b:2')], second.kept);
    deepStrictEqual(images(third), { a: 'example.com/a:3', b: 'example.com/b:2' });
  });

  it('never puts an object in force that was invalid from the start, nor a deleted one, nor an older uid', () => {
    const first = settle([object('a', 1, 'example.com/a:1')], new Map());
    equal(settle([broken('new', 1)], first.kept).outcomes[0]?.inForce, undefined);
    const deleted = settle([], first.kept);
    equal(deleted.kept.size, 0);
    equal(deleted.set.policies.length, 0);
    // Deleted and created again under the same name (a new uid): the old generation does not come back.
    const recreated = settle([broken('a', 1, 'uid-other')], first.kept);
    equal(recreated.set.policies.length, 0);
    equal(recreated.outcomes[0]?.inForce, undefined);
  });

  it('checks an object again only when what was written changed, not for its status or server metadata', () => {
    const first = settle([object('a', 1, 'example.com/a:1')], new Map());
    const written = object('a', 1, 'example.com/a:1') as { metadata: Record<string, unknown> };
    const statusWritten = { ...written, metadata: { ...written.metadata }, status: { observedGeneration: 1 } };
    statusWritten.metadata['resourceVersion'] = '99';
    statusWritten.metadata['managedFields'] = [{ manager: 'init-injector' }];
    const again = settle([statusWritten], first.kept, first.checked);
    ok(again.set.policies[0] === first.set.policies[0], 'the same compiled policy, not a new check');
    const changed = settle([object('a', 2, 'example.com/a:2')], again.kept, again.checked);
    deepStrictEqual(images(changed), { a: 'example.com/a:2' });
    // A broken generation is checked, not taken from the memo of the valid one.
    const [outcome] = settle([broken('a', 3)], changed.kept, changed.checked).outcomes;
    if (outcome === undefined) throw new Error('no outcome');
    equal(outcome.inForce?.generation, 2);
    match(outcome.problems[0] ?? '', /^spec\.match\.conditions\[0\]\.expression: /);
  });

  it('reports a document that is not an InjectionPolicy instead of ignoring it', () => {
    const s = settle([{ metadata: { name: 'odd', uid: 'u', generation: 1 } }], new Map<string, InForce>());
    equal(s.outcomes[0]?.inForce, undefined);
    ok((s.outcomes[0]?.problems.length ?? 0) > 0);
  });
});

describe('policy objects: the status written', () => {
  const NOW = '2026-12-02T05:00:00.000Z';
  const LATER = '2026-12-02T06:00:00.000Z';

  it('says Ready/InForce for a valid object, and nothing to write once it says so', () => {
    const [o] = settle([object('a', 4, 'example.com/a:4')], new Map()).outcomes;
    if (o === undefined) throw new Error('no outcome');
    const status = desiredStatus(o, undefined, NOW);
    if (status === undefined) throw new Error('nothing to write');
    deepStrictEqual([status.observedGeneration, status.inForceGeneration], [4, 4]);
    match(status.digest ?? '', /^[0-9a-f]{64}$/);
    deepStrictEqual(status.problems, []);
    deepStrictEqual(status.conditions, [
      {
        type: 'Ready',
        status: 'True',
        reason: 'InForce',
        message: 'in force as written',
        observedGeneration: 4,
        lastTransitionTime: NOW,
      },
    ]);
    // Read back from the API server (a round trip through JSON), the same status is not written again.
    equal(desiredStatus(o, JSON.parse(JSON.stringify(status)), LATER), undefined);
  });

  it('says which generation stays in force, with the problems, and moves lastTransitionTime only on a change', () => {
    const first = settle([object('a', 1, 'example.com/a:1')], new Map());
    const [good] = first.outcomes;
    const [bad] = settle([broken('a', 2)], first.kept).outcomes;
    if (good === undefined || bad === undefined) throw new Error('no outcome');
    const before = desiredStatus(good, undefined, NOW);
    const after = desiredStatus(bad, before, LATER);
    const c = after?.conditions[0];
    if (after === undefined || c === undefined) throw new Error('nothing to write');
    deepStrictEqual(
      [c.reason, c.status, c.lastTransitionTime, after.inForceGeneration, after.observedGeneration],
      ['PreviousGenerationInForce', 'False', LATER, 1, 2],
    );
    match(c.message, /generation 2 is invalid \(1 problem\); generation 1 stays in force/);
    match(after.problems[0] ?? '', /^spec\.match\.conditions\[0\]\.expression: /);
    // Another invalid generation: still False, so the transition time stays.
    const [worse] = settle([broken('a', 3)], settle([broken('a', 2)], first.kept).kept).outcomes;
    if (worse === undefined) throw new Error('no outcome');
    equal(desiredStatus(worse, after, '2026-12-02T07:00:00.000Z')?.conditions[0]?.lastTransitionTime, LATER);
  });

  it('patches away what the new status drops (a digest no generation serves any more)', () => {
    const [bad] = settle([broken('n', 1)], new Map()).outcomes;
    if (bad === undefined) throw new Error('no outcome');
    const next = desiredStatus(bad, { observedGeneration: 0, inForceGeneration: 1, digest: 'x' }, NOW);
    if (next === undefined) throw new Error('nothing to write');
    equal(next.conditions[0]?.reason, 'Invalid');
    const patch = statusPatch({ observedGeneration: 0, inForceGeneration: 1, digest: 'x' }, next);
    equal(patch.status['digest'], null);
    equal(patch.status['inForceGeneration'], null);
  });
});
