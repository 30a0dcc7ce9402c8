/**
 * Apply: a draft of the pod that policies are added to one at a time, whole or not at all.
 * Conflicts are checked against the pod plus what earlier policies added, so the later of two
 * policies injecting the same name is the one that conflicts. The mutated pod is built by shallow
 * copies of only the touched branches: everything else (managedFields, status, app container specs)
 * is shared with the original, never cloned.
 */
import type { Container, Pod, PodSpec, Volume, VolumeMount } from '../kube/wire.js';
import { copyWith, jsonEqual } from './equal.js';
import { initSlots, insertionPoint, type InitSlot, type Slot } from './placement.js';
import { sameContainer } from './present.js';
import { Reason } from './reasons.js';
import type { CompiledPolicy, RenderedParts } from './types.js';

/** Why a policy cannot be added to the pod. */
export interface Conflict {
  readonly reason: Reason;
  readonly detail: string;
}

/** What one policy adds, checked and ready to commit. */
export interface Plan {
  readonly policy: CompiledPolicy;
  readonly containers: readonly Container[];
  /** Where in the draft's init containers they go (placement.ts). */
  readonly at: Slot;
  readonly volumes: readonly Volume[];
  /** Mounts to append, by target (mountTargets). */
  readonly mounts: ReadonlyMap<number, readonly VolumeMount[]>;
  /** imagePullSecrets names the pod (with what earlier policies added) does not list yet. */
  readonly pullSecrets: readonly string[];
}

/**
 * Mount targets are numbered in one space: app container i is i, the pod's init container j is
 * -1 - j. One map then holds both, and the patch keeps app containers and sidecars apart.
 */
const initTarget = (j: number): number => -1 - j;
const isInit = (target: number): boolean => target < 0;

interface ContainerMounts {
  readonly byPath: Map<string, VolumeMount>;
  readonly added: VolumeMount[];
}

/** Volume sources whose `defaultMode` the API server sets to 0644 (420) when absent. */
const MODE_DEFAULTED = ['secret', 'configMap', 'downwardAPI', 'projected'] as const;

/**
 * A volume with the defaults the API server fills in (pkg/apis/core/v1/defaults.go) before any
 * webhook sees the pod: `defaultMode: 420` and `hostPath.type: ""`. Without this, a pod that
 * declares the very volume a policy declares would look different (`defaultMode` only on the
 * pod's side) and meet a conflict instead of sharing it.
 */
function withVolumeDefaults(v: Volume): Volume {
  let out = v;
  for (const key of MODE_DEFAULTED) {
    const source = out[key] as { defaultMode?: number } | undefined;
    if (source && source.defaultMode === undefined) out = copyWith(out, { [key]: { ...source, defaultMode: 420 } });
  }
  if (out.hostPath && out.hostPath.type === undefined)
    out = copyWith(out, { hostPath: copyWith(out.hostPath, { type: '' }) });
  return out;
}

/** Same definition, up to the API server's defaults. */
export function sameVolume(a: Volume, b: Volume): boolean {
  return jsonEqual(a, b) || jsonEqual(withVolumeDefaults(a), withVolumeDefaults(b));
}

/**
 * A policy adds its mounts to at most this many containers of one pod. Mounts are the one part
 * of a patch that grows with the pod (one op per container): without a bound, a pod with 70,000
 * containers made a 9 MB patch and hundreds of milliseconds of work. No pod that runs comes near it.
 */
export const MAX_MOUNT_TARGETS = 1000;

/** The first item of each name; a hostile pod may send null for a list. */
function firstByName<T extends { name: string }>(list: readonly T[] | null | undefined): Map<string, T> {
  const out = new Map<string, T>();
  if (!Array.isArray(list)) return out;
  for (const item of list as readonly T[]) if (!out.has(item.name)) out.set(item.name, item);
  return out;
}

/** The pod being built up, policy by policy. */
export class Draft {
  readonly #pod: Pod;
  /** Container name -> who uses it ('' for the pod itself, else the policy name). */
  readonly #names = new Map<string, string>();
  readonly #volumes = new Map<string, Volume>();
  /** The init containers as they will be: the pod's own (with their index) and those injected. */
  readonly #init: InitSlot[];
  /** How many injected containers lead the list (placed by Prepend). */
  #prepended = 0;
  #changed = false;
  readonly #addedVolumes: Volume[] = [];
  readonly #mounts = new Map<number, ContainerMounts>();
  #podInit: ReadonlyMap<string, Container> | undefined;
  #podVolumes: ReadonlyMap<string, Volume> | undefined;
  /** imagePullSecrets names: the pod's, then those policies added (#addedPullSecrets). */
  #pullSecrets: Set<string> | undefined;
  readonly #addedPullSecrets: string[] = [];

  constructor(pod: Pod) {
    this.#pod = pod;
    const spec = pod.spec;
    for (const list of [spec?.containers, spec?.initContainers, spec?.ephemeralContainers])
      for (const c of list ?? []) this.#names.set(c.name, '');
    for (const v of spec?.volumes ?? []) if (!this.#volumes.has(v.name)) this.#volumes.set(v.name, v);
    this.#init = initSlots(spec?.initContainers);
  }

  /**
   * Whether the pod already carries the policy: each of its init containers present among the
   * pod's init containers by name and equal up to API-server defaults (present.ts), and each of its
   * volumes declared with the same definition. A weakened look-alike (other env, restartPolicy:
   * Always, another volume behind the same name) is not present, so it meets a conflict instead.
   * The pod's own lists are indexed by name once per pod, so a pod listing many policies does not
   * cost (policies × its containers).
   */
  isPresent(policy: CompiledPolicy, parts: RenderedParts): boolean {
    const spec = this.#pod.spec;
    this.#podInit ??= firstByName(spec?.initContainers);
    this.#podVolumes ??= firstByName(spec?.volumes);
    const own = this.#podInit;
    const volumes = this.#podVolumes;
    const hostNetwork = spec?.hostNetwork === true;
    return (
      parts.initContainers.every((c) => {
        const found = own.get(c.name);
        return found !== undefined && sameContainer(found, c, hostNetwork);
      }) &&
      parts.volumes.every((v) => {
        const found = volumes.get(v.name);
        return found !== undefined && sameVolume(found, v);
      }) &&
      policy.imagePullSecrets.every((name) => this.#secretNames().has(name))
    );
  }

  /**
   * The names in the pod's imagePullSecrets plus those added so far. Entries are read defensively:
   * the wire type says a list of {name}, but a hand-written pod may hold null or a nameless entry.
   */
  #secretNames(): Set<string> {
    if (this.#pullSecrets === undefined) {
      const list: unknown = this.#pod.spec?.imagePullSecrets;
      this.#pullSecrets = new Set();
      for (const item of Array.isArray(list) ? (list as unknown[]) : [])
        if (typeof item === 'object' && item !== null && typeof (item as { name?: unknown }).name === 'string')
          this.#pullSecrets.add((item as { name: string }).name);
    }
    return this.#pullSecrets;
  }

  /** True once a policy has been committed. */
  get changed(): boolean {
    return this.#changed;
  }

  /** The container behind a mount target. */
  #target(target: number): Container | undefined {
    const spec = this.#pod.spec;
    return isInit(target) ? spec?.initContainers?.[-1 - target] : spec?.containers[target];
  }

  #containerMounts(target: number): ContainerMounts {
    let entry = this.#mounts.get(target);
    if (!entry) {
      const byPath = new Map<string, VolumeMount>();
      const existing = this.#target(target)?.volumeMounts;
      for (const m of Array.isArray(existing) ? existing : []) byPath.set(m.mountPath, m);
      entry = { byPath, added: [] };
      this.#mounts.set(target, entry);
    }
    return entry;
  }

  /**
   * The containers that get the policy's mounts: the app containers `volumeMounts.containers`
   * names, then the pod's native sidecars (init containers with restartPolicy: Always) that
   * `volumeMounts.sidecars` admits and the names admit. `AfterInjected` admits the sidecars that
   * start after the policy's init containers, those behind `at`: all of the pod's with Prepend,
   * none with Append, those after the anchor's position with an anchor.
   */
  #targets(policy: CompiledPolicy, at: Slot): number[] {
    const spec = this.#pod.spec;
    const wanted = policy.volumeMounts.containers;
    const named = (c: Container | null | undefined): boolean =>
      c != null && (wanted === '*' || wanted.includes(c.name));
    const out: number[] = [];
    (spec?.containers ?? []).forEach((c, i) => {
      if (named(c)) out.push(i);
    });
    const sidecars = policy.volumeMounts.sidecars;
    if (sidecars === 'None') return out;
    const from = sidecars === 'AfterInjected' ? at.index : 0;
    for (let k = from; k < this.#init.length; k++) {
      const slot = this.#init[k];
      if (slot?.own !== undefined && slot.container?.restartPolicy === 'Always' && named(slot.container))
        out.push(initTarget(slot.own));
    }
    return out;
  }

  /** Checks the whole policy against the draft; changes nothing. */
  check(policy: CompiledPolicy, parts: RenderedParts): Plan | Conflict {
    for (const c of parts.initContainers) {
      const owner = this.#names.get(c.name);
      if (owner !== undefined)
        return {
          reason: Reason.NameConflict,
          detail:
            owner === ''
              ? `the pod already has a container named "${c.name}"`
              : `init container "${c.name}" is already injected by policy "${owner}"`,
        };
    }
    const volumes: Volume[] = [];
    for (const v of parts.volumes) {
      const existing = this.#volumes.get(v.name);
      if (existing === undefined) volumes.push(v);
      else if (!sameVolume(existing, v))
        return {
          reason: Reason.VolumeConflict,
          detail: `the pod has a volume "${v.name}" with a different definition`,
        };
    }
    const at = insertionPoint(this.#init, this.#prepended, policy);
    const mounts = new Map<number, VolumeMount[]>();
    if (parts.mounts.length > 0) {
      const targets = this.#targets(policy, at);
      if (targets.length > MAX_MOUNT_TARGETS)
        return {
          reason: Reason.MountConflict,
          detail: `the pod has ${String(targets.length)} containers to mount into; a policy mounts into at most ${String(MAX_MOUNT_TARGETS)}`,
        };
      for (const index of targets) {
        const { byPath } = this.#containerMounts(index);
        const add: VolumeMount[] = [];
        for (const m of parts.mounts) {
          const existing = byPath.get(m.mountPath);
          if (existing === undefined) add.push(m);
          else if (!jsonEqual(existing, m))
            return {
              reason: Reason.MountConflict,
              detail: `${isInit(index) ? 'sidecar' : 'container'} "${this.#target(index)?.name ?? String(index)}" already uses mountPath "${m.mountPath}"`,
            };
        }
        if (add.length > 0) mounts.set(index, add);
      }
    }
    const known = this.#secretNames();
    const pullSecrets = policy.imagePullSecrets.filter((name) => !known.has(name));
    return { policy, containers: parts.initContainers, at, volumes, mounts, pullSecrets };
  }

  /** Adds a checked plan to the draft. */
  commit(plan: Plan): void {
    for (const c of plan.containers) this.#names.set(c.name, plan.policy.name);
    const { index, tag, prepend } = plan.at;
    this.#init.splice(
      index,
      0,
      ...plan.containers.map((container) => (tag === undefined ? { container } : { container, tag })),
    );
    // The leading block of Prepend containers grows with them, and with anything placed inside it.
    if (prepend || index < this.#prepended) this.#prepended += plan.containers.length;
    this.#changed = true;
    for (const v of plan.volumes) {
      this.#volumes.set(v.name, v);
      this.#addedVolumes.push(v);
    }
    for (const name of plan.pullSecrets) {
      this.#secretNames().add(name);
      this.#addedPullSecrets.push(name);
    }
    for (const [index, list] of plan.mounts) {
      const entry = this.#containerMounts(index);
      for (const m of list) {
        entry.byPath.set(m.mountPath, m);
        entry.added.push(m);
      }
    }
  }

  /**
   * The pod with its changed spec, sharing every untouched branch (the metadata included) with the
   * original; withRecords adds the record annotations.
   */
  build(): Pod {
    const pod = this.#pod;
    const spec = pod.spec;
    const withMounts = (c: Container, target: number): Container => {
      const added = this.#mounts.get(target)?.added ?? [];
      return added.length === 0 ? c : copyWith(c, { volumeMounts: [...(c.volumeMounts ?? []), ...added] });
    };
    const changes: Partial<PodSpec> = {
      initContainers: this.#init.map((slot) =>
        slot.own === undefined || slot.container == null
          ? slot.container
          : withMounts(slot.container, initTarget(slot.own)),
      ) as Container[],
    };
    if (this.#addedVolumes.length > 0) changes.volumes = [...(spec?.volumes ?? []), ...this.#addedVolumes];
    if (this.#addedPullSecrets.length > 0) {
      const own = spec?.imagePullSecrets;
      changes.imagePullSecrets = [
        ...(Array.isArray(own) ? own : []),
        ...this.#addedPullSecrets.map((name) => ({ name })),
      ];
    }
    if (spec && [...this.#mounts].some(([target, m]) => !isInit(target) && m.added.length > 0))
      changes.containers = spec.containers.map(withMounts);
    return copyWith(pod, { spec: copyWith(spec, changes) });
  }
}

/** `pod` with `records` set among its annotations (a copy of the metadata and of the annotations). */
export function withRecords(pod: Pod, records: Readonly<Record<string, string>>): Pod {
  const meta = pod.metadata ?? {};
  return copyWith(pod, { metadata: copyWith(meta, { annotations: { ...meta.annotations, ...records } }) });
}
