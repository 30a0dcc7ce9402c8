/**
 * `status --restart-outdated`: restarts the workloads whose pods are outdated or missing a policy,
 * the way `kubectl rollout restart` does (a kubectl.kubernetes.io/restartedAt annotation on the pod
 * template), one workload at a time: it waits until the rollout has replaced every pod (bounded),
 * then pauses, then goes on. Bare pods, Jobs, CronJobs and ReplicaSets without a Deployment are never
 * touched: their pods are not replaced by a template change, or would be lost.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { wireJson, type Cluster } from '../kube/cluster-read.js';
import { RESTARTABLE, type WorkloadDrift } from './drift-report.js';

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export interface RestartOptions {
  /** Act; without it, only say what would be done. */
  readonly yes: boolean;
  /** Pause between two workloads, in milliseconds. */
  readonly intervalMs: number;
  /** Longest wait for one rollout, in milliseconds. */
  readonly timeoutMs: number;
  /** The time written into restartedAt (injectable for tests). */
  readonly now?: () => Date;
}

interface RolloutStatus {
  readonly metadata?: { generation?: number };
  readonly spec?: { replicas?: number };
  readonly status?: {
    observedGeneration?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    replicas?: number;
    updatedNumberScheduled?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
  };
}

/** True when the controller has seen the change and every replica is updated and ready. */
export function rolledOut(kind: string, w: RolloutStatus): boolean {
  const s = w.status ?? {};
  if ((s.observedGeneration ?? 0) < (w.metadata?.generation ?? 0)) return false;
  if (kind === 'DaemonSet')
    return s.updatedNumberScheduled === s.desiredNumberScheduled && s.numberReady === s.desiredNumberScheduled;
  const want = w.spec?.replicas ?? 1;
  return (s.updatedReplicas ?? 0) === want && (s.readyReplicas ?? 0) === want && (s.replicas ?? 0) === want;
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function patchTemplate(cluster: Cluster, w: WorkloadDrift, at: string): Promise<unknown> {
  const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } };
  const target = { name: w.name, namespace: w.namespace, body };
  if (w.kind === 'Deployment') return cluster.apps.patchNamespacedDeployment(target, MERGE);
  if (w.kind === 'StatefulSet') return cluster.apps.patchNamespacedStatefulSet(target, MERGE);
  return cluster.apps.patchNamespacedDaemonSet(target, MERGE);
}

async function readStatus(cluster: Cluster, w: WorkloadDrift): Promise<RolloutStatus> {
  const target = { name: w.name, namespace: w.namespace };
  const read =
    w.kind === 'Deployment'
      ? cluster.apps.readNamespacedDeployment(target)
      : w.kind === 'StatefulSet'
        ? cluster.apps.readNamespacedStatefulSet(target)
        : cluster.apps.readNamespacedDaemonSet(target);
  return wireJson(await read);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The workloads that need a restart, and those that would but cannot be restarted this way. */
export function restartPlan(workloads: readonly WorkloadDrift[]): {
  restart: WorkloadDrift[];
  manual: WorkloadDrift[];
} {
  const stale = workloads.filter((w) => w.outdated > 0 || w.missing > 0);
  const restartable = (w: WorkloadDrift): boolean => (RESTARTABLE as readonly string[]).includes(w.kind);
  return { restart: stale.filter(restartable), manual: stale.filter((w) => !restartable(w)) };
}

/** Restarts `plan.restart` one by one (or says what it would do); returns false when one failed. */
export async function restartWorkloads(
  cluster: Cluster,
  plan: { restart: readonly WorkloadDrift[]; manual: readonly WorkloadDrift[] },
  options: RestartOptions,
  say: (line: string) => void,
): Promise<boolean> {
  const label = (w: WorkloadDrift): string => `${w.kind} ${w.namespace}/${w.name}`;
  for (const w of plan.manual)
    say(`skip ${label(w)}: a ${w.kind} is never restarted by status; recreate its pods yourself when it is safe`);
  for (const [i, w] of plan.restart.entries()) {
    const why = `${String(w.outdated)} outdated, ${String(w.missing)} missing of ${String(w.pods)} pods`;
    if (!options.yes) {
      say(`would restart ${label(w)} (${why})`);
      continue;
    }
    if (i > 0 && options.intervalMs > 0) await sleep(options.intervalMs);
    const at = (options.now?.() ?? new Date()).toISOString();
    await patchTemplate(cluster, w, at);
    say(`restarted ${label(w)} (${why}): ${RESTARTED_AT}=${at}`);
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      if (rolledOut(w.kind, await readStatus(cluster, w))) break;
      if (Date.now() > deadline) {
        const left = plan.restart.length - i - 1;
        say(
          `${label(w)} did not finish its rollout within ${String(options.timeoutMs / 1000)}s; stopping (${String(left)} workload(s) not restarted)`,
        );
        return false;
      }
      await sleep(1000);
    }
    say(`${label(w)} rolled out`);
  }
  if (!options.yes && plan.restart.length > 0) say('dry run: nothing was changed; add --yes to restart');
  return true;
}
