/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes, but Kubernetes objects here are plain JSON as on the wire (src/kube/wire.ts). */
/**
 * The engine's safety properties, checked on one (policy set, pod, namespace labels) case. Shared
 * by the fast-check run and by the replay of test/reliability/regressions/*.json, so a saved
 * counterexample is checked by exactly the assertions that found it.
 */
import { deepStrictEqual, ok } from 'node:assert/strict';
import { mutate } from '../../../src/engine/index.js';
import type { MutationInput, MutationResult } from '../../../src/engine/types.js';
import type { Container, Pod } from '../../../src/kube/wire.js';
import { withApiServerDefaults } from './defaults.js';
import { podSchemaErrors } from './pod-schema.js';
import { compileSet } from './policies.js';
import { applyPatch, cloneJson, type PatchOp } from './rfc6902.js';

/** One replayable case; also the format of a regression fixture. */
export interface Case {
  readonly description?: string;
  readonly policies: readonly unknown[];
  readonly pod: Pod;
  readonly namespaceLabels?: Record<string, string> | undefined;
}

export const INJECTED = 'init-injector.io/injected';
export const DIGESTS = 'init-injector.io/digests';

/** The input the webhook would build: request namespace set even when metadata.namespace is ''. */
export function inputFor(c: Case): MutationInput {
  const ns = c.pod.metadata?.namespace;
  const name = ns !== undefined && ns !== '' ? ns : 'team-a';
  return {
    pod: c.pod,
    namespace: c.namespaceLabels === undefined ? { name } : { name, labels: c.namespaceLabels },
    policies: compileSet(c.policies),
    request: { uid: 'prop-uid', operation: 'CREATE', namespace: name },
  };
}

/** Runs the engine, turning a throw into a failure that says the engine threw (property 1). */
export function runEngine(input: MutationInput): MutationResult {
  try {
    return mutate(input);
  } catch (e) {
    throw new Error(`engine threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, { cause: e });
  }
}

/** spec.containers, which the wire type calls required but a webhook may receive absent. */
const appContainers = (p: Pod): Container[] | undefined => p.spec?.containers;

const allContainers = (p: Pod): Container[] => [
  ...(appContainers(p) ?? []),
  ...(p.spec?.initContainers ?? []),
  ...((p.spec?.ephemeralContainers ?? []) as Container[]),
];

/** The pod with every part the engine may change removed: what must stay byte-for-byte equal. */
function frozenParts(p: Pod): unknown {
  const c = cloneJson(p);
  if (c.spec !== undefined) {
    Reflect.deleteProperty(c.spec, 'initContainers');
    Reflect.deleteProperty(c.spec, 'volumes');
    for (const ctr of appContainers(c) ?? []) Reflect.deleteProperty(ctr, 'volumeMounts');
  }
  const ann = c.metadata?.annotations;
  if (ann !== undefined && c.metadata !== undefined) {
    Reflect.deleteProperty(ann, INJECTED);
    Reflect.deleteProperty(ann, DIGESTS);
    if (Object.keys(ann).length === 0) Reflect.deleteProperty(c.metadata, 'annotations');
  }
  return c;
}

const ALLOWED_PATH =
  /^\/(spec\/initContainers|spec\/volumes|spec\/containers\/(0|[1-9][0-9]*)\/volumeMounts|metadata\/annotations)(\/|$)/;

/** An init container as compared by containsRun: a native sidecar's mounts may only grow (checked apart). */
function runItem(x: unknown): string {
  if (typeof x !== 'object' || x === null || (x as { restartPolicy?: unknown }).restartPolicy !== 'Always')
    return JSON.stringify(x);
  return JSON.stringify({ ...(x as Record<string, unknown>), volumeMounts: undefined });
}

/**
 * True when `sub` occurs in `list` as a contiguous run (the pod's own init containers, unchanged
 * but for mounts added to native sidecars).
 */
function containsRun(list: readonly unknown[], sub: readonly unknown[]): boolean {
  const a = list.map(runItem);
  const b = sub.map(runItem);
  for (let i = 0; i + b.length <= a.length; i++) if (b.every((x, j) => a[i + j] === x)) return true;
  return false;
}

/** Checks every property of docs/reliability.md §1 on one case; throws on the first violation. */
export function checkCase(c: Case): void {
  const input = inputFor(c);
  const before = cloneJson(c.pod);
  const r = runEngine(input);
  deepStrictEqual(cloneJson(c.pod), before, 'the engine modified its input pod');

  if (r.denial !== undefined) deepStrictEqual(r.patch.length, 0, 'a denial carries a patch');
  for (const op of r.patch)
    ok(ALLOWED_PATH.test(op.path), `patch touches ${op.op} ${op.path}, outside the allowed parts`);

  // The patch, applied by an independent RFC 6902 implementation, yields exactly `mutated`.
  const applied = applyPatch(c.pod, r.patch as readonly PatchOp[]);
  deepStrictEqual(applied, cloneJson(r.mutated), 'patch applied to the original differs from mutated');

  // Idempotence: the engine on its own output changes nothing and denies nothing new.
  const again = runEngine({ ...input, pod: r.mutated });
  deepStrictEqual(again.patch, [], 'mutate(mutated) is not an empty patch');
  if (r.denial === undefined)
    deepStrictEqual(again.denial, undefined, 'mutate(mutated) denies a pod the first call admitted');
  // ...and on reinvocation, when the API server has filled its defaults (imagePullPolicy,
  // terminationMessagePath, configMap defaultMode, ...) into what we injected.
  if (r.denial === undefined && r.patch.length > 0) {
    const reinvoked = runEngine({ ...input, pod: withApiServerDefaults(r.mutated) });
    deepStrictEqual(reinvoked.patch, [], 'reinvocation on the API-server-defaulted pod is not an empty patch');
    deepStrictEqual(reinvoked.denial, undefined, 'reinvocation on the API-server-defaulted pod denies it');
  }

  // Container names unique across containers, initContainers and ephemeralContainers.
  const names = allContainers(r.mutated).map((x) => x.name);
  deepStrictEqual(names.length, new Set(names).size, `duplicate container names: ${names.join(',')}`);

  // Nothing else changes; what was there stays there.
  deepStrictEqual(
    frozenParts(r.mutated),
    frozenParts(c.pod),
    'a part outside initContainers/volumes/mounts/annotation changed',
  );
  ok(
    containsRun(r.mutated.spec?.initContainers ?? [], c.pod.spec?.initContainers ?? []),
    "the pod's own init containers were changed or split",
  );
  // A native sidecar keeps its own mounts, first and unchanged; a policy may only add after them.
  for (const own of c.pod.spec?.initContainers ?? []) {
    if (own.restartPolicy !== 'Always') continue;
    const after = r.mutated.spec?.initContainers?.find((x) => x.name === own.name)?.volumeMounts ?? [];
    const before = own.volumeMounts ?? [];
    deepStrictEqual(after.slice(0, before.length), before, `mounts of sidecar ${own.name} changed`);
  }
  for (const v of c.pod.spec?.volumes ?? [])
    ok(
      r.mutated.spec?.volumes?.some((m) => JSON.stringify(m) === JSON.stringify(v)),
      `pod volume ${v.name} changed`,
    );
  (appContainers(c.pod) ?? []).forEach((ctr, i) => {
    const after = appContainers(r.mutated)?.[i]?.volumeMounts ?? [];
    for (const m of ctr.volumeMounts ?? [])
      ok(
        after.some((a) => JSON.stringify(a) === JSON.stringify(m)),
        `mount ${m.mountPath} of ${ctr.name} changed`,
      );
  });
  if (appContainers(r.mutated) !== undefined || appContainers(c.pod) !== undefined) {
    deepStrictEqual(appContainers(r.mutated)?.length, appContainers(c.pod)?.length, 'app container count changed');
  }

  // The annotation lists what was injected, and what was injected is there.
  if (r.injected.length > 0) {
    const listed = (r.mutated.metadata?.annotations?.[INJECTED] ?? '').split(',');
    for (const p of r.injected) ok(listed.includes(p), `${INJECTED} lacks injected policy ${p}`);
    const present = new Set(names);
    for (const p of r.injected)
      for (const n of input.policies.byName.get(p)?.initContainers.map((x) => x.name) ?? [])
        ok(present.has(n), `${p}: ${n} missing`);
  }

  // A pod the API server's schema accepts is still accepted after the patch.
  if (podSchemaErrors(c.pod).length === 0)
    deepStrictEqual(podSchemaErrors(r.mutated), [], 'mutated pod fails the Pod OpenAPI schema');
}
