/**
 * The drift report of `status`, built from plain data (pods, their owners, namespaces) so that it is
 * the same for a cluster read live and for a test: every pod the webhook would see is compared with
 * the policies (engine drift()), and pods are grouped under the workload that owns them — a
 * ReplicaSet's pods under its Deployment, a Job's under its CronJob.
 */
import { drift, DriftState } from '../engine/drift.js';
import type { NamespaceInfo, PolicySet } from '../engine/types.js';
import type { Pod } from '../kube/wire.js';
import { podSummary } from './explanation.js';
import { outOfScope, type Mode } from './webhook-scope.js';

/** An owner reference as the API returns it. */
export interface OwnerRef {
  readonly kind: string;
  readonly name: string;
  readonly controller?: boolean;
}

/** Owners of ReplicaSets and Jobs, by "namespace/name": what turns a pod's owner into its workload. */
export interface Owners {
  readonly replicaSets: ReadonlyMap<string, OwnerRef | undefined>;
  readonly jobs: ReadonlyMap<string, OwnerRef | undefined>;
}

/** Kinds whose pods `--restart-outdated` may restart by touching the pod template. */
export const RESTARTABLE = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;

export interface WorkloadDrift {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly pods: number;
  readonly current: number;
  readonly outdated: number;
  readonly missing: number;
  /** "policy recorded -> current" for every distinct outdated digest pair, sorted. */
  readonly outdatedPolicies: readonly string[];
  /** Policies some pod is missing, sorted. */
  readonly missingPolicies: readonly string[];
}

export interface DriftSummary {
  readonly namespaces: number;
  readonly pods: number;
  readonly current: number;
  readonly outdated: number;
  readonly missing: number;
  /** Pods the webhook configuration never sends (by --mode and the fixed exclusions). */
  readonly notSeen: number;
  /** Pods that are finished or being deleted: not compared. */
  readonly finished: number;
}

export interface DriftResult {
  readonly workloads: readonly WorkloadDrift[];
  readonly summary: DriftSummary;
}

function controllerOf(refs: readonly OwnerRef[] | undefined): OwnerRef | undefined {
  return refs?.find((r) => r.controller === true) ?? refs?.[0];
}

/** The workload a pod belongs to: Kind and name, following ReplicaSet -> Deployment and Job -> CronJob. */
export function workloadOf(pod: Pod, owners: Owners): { kind: string; name: string } {
  const namespace = pod.metadata?.namespace ?? '';
  const owner = controllerOf(pod.metadata?.ownerReferences);
  if (owner === undefined) return { kind: 'Pod', name: pod.metadata?.name ?? '' };
  const parents = owner.kind === 'ReplicaSet' ? owners.replicaSets : owner.kind === 'Job' ? owners.jobs : undefined;
  const parent = parents?.get(`${namespace}/${owner.name}`);
  if (parent !== undefined) return { kind: parent.kind, name: parent.name };
  return { kind: owner.kind, name: owner.name };
}

interface Tally {
  kind: string;
  namespace: string;
  name: string;
  pods: number;
  current: number;
  outdated: number;
  missing: number;
  outdatedPolicies: Set<string>;
  missingPolicies: Set<string>;
}

/**
 * Compares pods with the policies one at a time and keeps only counts per workload, so that a
 * cluster's pods can be read page by page and dropped (memory bounded by a page, not the cluster).
 */
export class DriftTally {
  readonly #tallies = new Map<string, Tally>();
  readonly #namespaces = new Set<string>();
  #notSeen = 0;
  #finished = 0;

  readonly #namespaceInfo: ReadonlyMap<string, NamespaceInfo>;
  readonly #owners: Owners;
  readonly #policies: PolicySet;
  readonly #mode: Mode | undefined;

  constructor(
    namespaces: ReadonlyMap<string, NamespaceInfo>,
    owners: Owners,
    policies: PolicySet,
    mode: Mode | undefined,
  ) {
    this.#namespaceInfo = namespaces;
    this.#owners = owners;
    this.#policies = policies;
    this.#mode = mode;
  }

  /** Compares one pod and counts it under its workload. */
  add(pod: Pod): void {
    const namespace = pod.metadata?.namespace ?? '';
    const ns = this.#namespaceInfo.get(namespace) ?? { name: namespace, labels: {} };
    this.#namespaces.add(namespace);
    const phase = (pod as { status?: { phase?: string } }).status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp !== undefined) {
      this.#finished += 1;
      return;
    }
    if (outOfScope(pod, namespace, ns.labels ?? {}, this.#mode) !== undefined) {
      this.#notSeen += 1;
      return;
    }
    const report = drift({ pod, namespace: ns, policies: this.#policies });
    const state = podSummary(report.map((d) => d.state));
    const { kind, name } = workloadOf(pod, this.#owners);
    const key = `${kind}\u0000${namespace}\u0000${name}`;
    let t = this.#tallies.get(key);
    if (t === undefined) {
      t = {
        kind,
        namespace,
        name,
        pods: 0,
        current: 0,
        outdated: 0,
        missing: 0,
        outdatedPolicies: new Set(),
        missingPolicies: new Set(),
      };
      this.#tallies.set(key, t);
    }
    t.pods += 1;
    if (state === 'current') t.current += 1;
    if (state.includes('outdated')) t.outdated += 1;
    if (state.includes('missing')) t.missing += 1;
    for (const d of report) {
      if (d.state === DriftState.Removed) t.outdatedPolicies.add(`${d.policy} (removed)`);
      if (d.state === DriftState.Outdated)
        t.outdatedPolicies.add(`${d.policy} ${d.recorded ?? '?'} -> ${d.current ?? '?'}`);
      if (d.state === DriftState.Missing) t.missingPolicies.add(d.policy);
    }
  }

  /** The report so far: workloads sorted by namespace, kind and name, and the summary. */
  result(): DriftResult {
    const workloads = [...this.#tallies.values()]
      .map((t) => ({
        ...t,
        outdatedPolicies: [...t.outdatedPolicies].sort(),
        missingPolicies: [...t.missingPolicies].sort(),
      }))
      .sort(
        (a, b) =>
          a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
      );
    const sum = (f: (w: WorkloadDrift) => number): number => workloads.reduce((n, w) => n + f(w), 0);
    return {
      workloads,
      summary: {
        namespaces: this.#namespaces.size,
        pods: sum((w) => w.pods),
        current: sum((w) => w.current),
        outdated: sum((w) => w.outdated),
        missing: sum((w) => w.missing),
        notSeen: this.#notSeen,
        finished: this.#finished,
      },
    };
  }
}

/** The report of a list of pods (DriftTally over all of them). */
export function driftReport(
  pods: readonly Pod[],
  namespaces: ReadonlyMap<string, NamespaceInfo>,
  owners: Owners,
  policies: PolicySet,
  mode: Mode | undefined,
): DriftResult {
  const tally = new DriftTally(namespaces, owners, policies, mode);
  for (const pod of pods) tally.add(pod);
  return tally.result();
}
