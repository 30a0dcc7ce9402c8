/**
 * The patch: readable, name-keyed `add` ops from the original pod to the mutated one (never built
 * from strings), verified by replaying them. fast-json-patch's compare() diffs arrays index by
 * index (a prepend rewrites every existing init container field by field), so it is only the
 * fallback when the keyed ops fail verification.
 *
 * The engine only ever adds: init containers, volumes, imagePullSecrets, volumeMounts of app
 * containers and of the pod's native sidecars, and its record annotations. The replay therefore
 * copies only those branches (shallow), never the whole pod: a pod's managedFields can be most of
 * its size and must not be cloned or diffed. The record annotations are written by recordOps from
 * the records themselves, so a pod's other annotations are never walked or copied.
 */
// fast-json-patch ships CommonJS: named imports type-check but fail at run time.
import jsonpatch, { type Operation } from 'fast-json-patch';
import type { Container, Pod, PodSpec } from '../kube/wire.js';
import { copyWith, jsonEqual } from './equal.js';

const { applyPatch, compare, escapePathComponent } = jsonpatch;

/** Ops that turn `before` into `after` for a list that only gained items, keyed by `key`. */
function insertOps<T>(
  path: string,
  before: readonly T[] | undefined,
  after: readonly T[] | undefined,
  key: (item: T) => string,
): Operation[] {
  if (after === undefined || after === before) return [];
  // null as well as absent: the wire types say optional, but a hand-written manifest may say null.
  if (!Array.isArray(before) || before.length === 0) return after.length > 0 ? [{ op: 'add', path, value: after }] : [];
  const existing = new Set(before.map(key));
  const ops: Operation[] = [];
  after.forEach((item, index) => {
    if (!existing.has(key(item))) ops.push({ op: 'add', path: `${path}/${index}`, value: item });
  });
  return ops;
}

const byName = (item: { name: string }): string => item.name;
const byMountPath = (item: { mountPath: string }): string => item.mountPath;
/** imagePullSecrets entries by name; a hand-written pod may hold null or a nameless entry. */
const bySecretName = (item: { name?: string } | null): string => item?.name ?? '';

/** `add` ops for the annotations among `entries` whose value `before` does not already hold. */
function annotationAdds(
  before: Readonly<Record<string, string>>,
  entries: readonly (readonly [string, string | undefined])[],
): Operation[] {
  const ops: Operation[] = [];
  for (const [key, value] of entries)
    if (value !== undefined && (!Object.hasOwn(before, key) || before[key] !== value))
      ops.push({ op: 'add', path: `/metadata/annotations/${escapePathComponent(key)}`, value });
  return ops;
}

function annotationOps(original: Pod, mutated: Pod): Operation[] {
  const before = original.metadata?.annotations;
  const after = mutated.metadata?.annotations;
  if (after === undefined || after === before) return [];
  if (before == null) return [{ op: 'add', path: '/metadata/annotations', value: after }];
  return annotationAdds(before, Object.entries(after));
}

/**
 * The ops that set `records` among the pod's annotations: one op per record whose value differs,
 * whatever else the pod carries (the engine's only change to the metadata). A pod without
 * annotations (or without metadata) gets them in one op.
 */
export function recordOps(original: Pod, records: Readonly<Record<string, string>>): Operation[] {
  const meta = original.metadata;
  if (meta == null) return [{ op: 'add', path: '/metadata', value: { annotations: { ...records } } }];
  const before = meta.annotations;
  if (before == null) return [{ op: 'add', path: '/metadata/annotations', value: { ...records } }];
  return annotationAdds(before, Object.entries(records));
}

function keyedOps(original: Pod, mutated: Pod): Operation[] {
  const ops: Operation[] = [];
  if (original.metadata == null) {
    // Shared (a pod with `metadata: null` keeps it until its record ops replace it): nothing to add.
    if (mutated.metadata != null) ops.push({ op: 'add', path: '/metadata', value: mutated.metadata });
  } else ops.push(...annotationOps(original, mutated));
  const before = original.spec;
  const after = mutated.spec;
  if (after === undefined || after === before) return ops;
  if (before == null) return [...ops, { op: 'add', path: '/spec', value: after }];
  ops.push(...insertOps('/spec/initContainers', before.initContainers, after.initContainers, byName));
  ops.push(...sidecarMountOps(before.initContainers, after.initContainers));
  ops.push(...insertOps('/spec/volumes', before.volumes, after.volumes, byName));
  ops.push(...insertOps('/spec/imagePullSecrets', before.imagePullSecrets, after.imagePullSecrets, bySecretName));
  if (after.containers !== before.containers) {
    after.containers.forEach((c, i) => {
      const old = (before.containers as Container[] | undefined)?.[i];
      if (old !== undefined && c !== old)
        ops.push(...insertOps(`/spec/containers/${i}/volumeMounts`, old.volumeMounts, c.volumeMounts, byMountPath));
    });
  }
  return ops;
}

/**
 * Mount ops for the pod's own init containers (native sidecars) that gained mounts, at their index
 * in `after`: the init container ops before them have already put them there.
 */
function sidecarMountOps(
  before: readonly Container[] | undefined,
  after: readonly Container[] | undefined,
): Operation[] {
  if (before == null || after === undefined || after === before) return [];
  const old = new Map<string, Container>();
  // null items as well: the wire types say Container, but a hand-written manifest may say null.
  for (const c of before as readonly (Container | null)[]) if (c != null) old.set(c.name, c);
  const ops: Operation[] = [];
  (after as readonly (Container | null)[]).forEach((c, i) => {
    const was = c == null ? undefined : old.get(c.name);
    if (c != null && was !== undefined && was !== c)
      ops.push(...insertOps(`/spec/initContainers/${i}/volumeMounts`, was.volumeMounts, c.volumeMounts, byMountPath));
  });
  return ops;
}

const MOUNT_OP = /^\/spec\/containers\/(\d+)\/volumeMounts(?:\/\d+)?$/;
const INIT_MOUNT_OP = /^\/spec\/initContainers\/\d+\/volumeMounts(?:\/\d+)?$/;

/**
 * A copy of the branches the ops touch; every other branch is shared with the pod. Only the app
 * containers whose mounts change are copied (a 10 KB pod's containers are most of it), and the
 * metadata only when an op writes into it (a pod may carry thousands of annotations).
 */
function skeleton(pod: Pod, ops: readonly Operation[]): Pod {
  const out: Pod = { ...pod };
  if (pod.metadata && ops.some((op) => op.path.startsWith('/metadata/'))) {
    out.metadata = { ...pod.metadata };
    if (pod.metadata.annotations) out.metadata.annotations = { ...pod.metadata.annotations };
  }
  const spec = pod.spec;
  if (spec) {
    const changes: Partial<PodSpec> = {};
    const touched = new Set<number>();
    for (const op of ops) {
      const m = MOUNT_OP.exec(op.path);
      if (m) touched.add(Number(m[1]));
    }
    // containers is required by the API, but a hostile or hand-written pod may lack it.
    const containers = spec.containers as Container[] | undefined;
    if (containers && touched.size > 0)
      changes.containers = containers.map((c, i) =>
        touched.has(i) ? copyWith(c, c.volumeMounts ? { volumeMounts: [...c.volumeMounts] } : {}) : c,
      );
    // The init containers whose mounts change are few: copy them all rather than map indices.
    if (spec.initContainers)
      changes.initContainers = ops.some((op) => INIT_MOUNT_OP.test(op.path))
        ? ((spec.initContainers as (Container | null)[]).map((c) =>
            c != null ? copyWith(c, c.volumeMounts ? { volumeMounts: [...c.volumeMounts] } : {}) : c,
          ) as Container[])
        : [...spec.initContainers];
    if (spec.volumes) changes.volumes = [...spec.volumes];
    if (Array.isArray(spec.imagePullSecrets)) changes.imagePullSecrets = [...spec.imagePullSecrets];
    out.spec = copyWith(spec, changes);
  }
  return out;
}

/**
 * RFC 6902 ops from `original` to `mutated`. The keyed ops are replayed on a copy of the touched
 * branches and compared with `mutated` (identity first, so shared branches cost nothing); if they
 * do not reproduce it exactly, compare() is returned instead: never ship an unverified patch.
 */
export function diff(original: Pod, mutated: Pod): Operation[] {
  if (original === mutated) return [];
  const ops = keyedOps(original, mutated);
  try {
    // No per-op validation: the comparison with `mutated` below is the stronger check.
    const replayed = applyPatch(skeleton(original, ops), ops, false, true).newDocument;
    if (jsonEqual(replayed, mutated)) return ops;
  } catch {
    // An invalid keyed op is a bug in keyedOps; compare() below is still correct.
  }
  return compare(original, mutated);
}
