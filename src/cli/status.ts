/**
 * `init-injector status`: the drift report of a cluster. Lists namespaces, pods, ReplicaSets and
 * Jobs with paged calls (no request per pod), compares every pod with the policies of -p and prints,
 * per workload, how many pods are current, outdated or missing a policy; with --restart-outdated it
 * restarts the owners of such pods (restart.ts). Exit 0 when every pod is current, 3 when any is not.
 */
import type { PolicySet } from '../engine/types.js';
import {
  apiErrorLine,
  tryConnect,
  listAll,
  listEach,
  namespaceFromObject,
  wireJson,
  type Cluster,
} from '../kube/cluster-read.js';
import { formatDiagnostic } from '../policy/diagnostics.js';
import { parseCommandArgs } from './args.js';
import { loadPolicySources } from './policy-source.js';
import { DriftTally, type DriftResult, type OwnerRef } from './drift-report.js';
import { table } from './explanation.js';
import { STATUS_HELP } from './help.js';
import { Exit, usage, type CliIO } from './io.js';
import { restartPlan, restartWorkloads } from './restart.js';
import { isMode, MODES, type Mode } from './webhook-scope.js';

/** Exit status when the report found an outdated or missing injection. */
export const DRIFT_EXIT = 3;

const OPTIONS = {
  policies: { type: 'string', short: 'p', multiple: true },
  namespace: { type: 'string', short: 'n', multiple: true },
  kubeconfig: { type: 'string' },
  mode: { type: 'string' },
  output: { type: 'string', short: 'o', default: 'table' },
  verbose: { type: 'boolean', short: 'v' },
  'restart-outdated': { type: 'boolean' },
  yes: { type: 'boolean' },
  interval: { type: 'string', default: '10' },
  timeout: { type: 'string', default: '300' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Meta = { metadata?: { name?: string; namespace?: string; ownerReferences?: OwnerRef[] } };

function ownerEntry(o: unknown): [string, OwnerRef | undefined] {
  const meta = (o as Meta).metadata;
  const refs = meta?.ownerReferences;
  return [`${meta?.namespace ?? ''}/${meta?.name ?? ''}`, refs?.find((r) => r.controller === true) ?? refs?.[0]];
}

/**
 * The report in paged list calls, cluster-wide or per namespace of -n: namespaces, ReplicaSets and
 * Jobs first (small), then pods, each compared as its page arrives and dropped.
 */
async function reportCluster(
  c: Cluster,
  only: readonly string[],
  policies: PolicySet,
  mode: Mode | undefined,
): Promise<DriftResult> {
  const namespaceObjects = await listAll((page) => c.core.listNamespace(page), wireJson);
  const namespaces = new Map(
    namespaceObjects.map((o) => [String((o['metadata'] as Meta['metadata'])?.name), namespaceFromObject(o)]),
  );
  const scopes = only.length === 0 ? [undefined] : only;
  const rs: [string, OwnerRef | undefined][] = [];
  const jobs: [string, OwnerRef | undefined][] = [];
  for (const namespace of scopes) {
    if (namespace === undefined) {
      rs.push(...(await listAll((page) => c.apps.listReplicaSetForAllNamespaces(page), ownerEntry)));
      jobs.push(...(await listAll((page) => c.batch.listJobForAllNamespaces(page), ownerEntry)));
    } else {
      rs.push(...(await listAll((page) => c.apps.listNamespacedReplicaSet({ namespace, ...page }), ownerEntry)));
      jobs.push(...(await listAll((page) => c.batch.listNamespacedJob({ namespace, ...page }), ownerEntry)));
    }
  }
  const tally = new DriftTally(namespaces, { replicaSets: new Map(rs), jobs: new Map(jobs) }, policies, mode);
  const add = (pod: unknown): void => {
    tally.add(wireJson(pod));
  };
  for (const namespace of scopes) {
    if (namespace === undefined) await listEach((page) => c.core.listPodForAllNamespaces(page), add);
    else await listEach((page) => c.core.listNamespacedPod({ namespace, ...page }), add);
  }
  return tally.result();
}

function seconds(flag: string, text: string): number | string {
  if (!/^\d{1,6}$/.test(text)) return `--${flag} "${text}" is not a whole number of seconds`;
  return Number(text) * 1000;
}

/** The human report: stale workloads (all with -v) and a summary line. */
export function formatReport(r: DriftResult, verbose: boolean): string {
  const shown = r.workloads.filter((w) => verbose || w.outdated > 0 || w.missing > 0);
  const rows = shown.map((w) => [
    `${w.kind} ${w.namespace}/${w.name}`,
    String(w.pods),
    String(w.current),
    String(w.outdated),
    String(w.missing),
    [...w.outdatedPolicies, ...w.missingPolicies.map((p) => `missing ${p}`)].join('; ') || '-',
  ]);
  const s = r.summary;
  const lines = [
    `${String(r.workloads.length)} workloads, ${String(s.pods)} pods in ${String(s.namespaces)} namespaces: ` +
      `${String(s.current)} current, ${String(s.outdated)} outdated, ${String(s.missing)} missing a policy` +
      ` (not compared: ${String(s.notSeen)} the webhook never sees, ${String(s.finished)} finished or terminating)\n`,
  ];
  if (rows.length > 0) lines.unshift(table(['WORKLOAD', 'PODS', 'CURRENT', 'OUTDATED', 'MISSING', 'POLICIES'], rows));
  return lines.join('');
}

/** Runs `status` and returns the exit code. */
export async function runStatus(argv: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs('status', argv, OPTIONS);
  if (!parsed.ok) return usage(io, parsed.message);
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(STATUS_HELP);
    return Exit.Ok;
  }
  if (positionals.length > 0) return usage(io, `init-injector status: unexpected argument "${positionals[0] ?? ''}"`);
  const policyPaths = values.policies ?? [];
  if (policyPaths.length === 0) return usage(io, 'init-injector status: -p DIR (the policies) is required');
  if (values.output !== 'table' && values.output !== 'json')
    return usage(io, `init-injector status: -o "${values.output}" is not one of table, json`);
  const mode = values.mode;
  if (mode !== undefined && !isMode(mode))
    return usage(io, `init-injector status: --mode "${mode}" is not one of ${MODES.join(', ')}`);
  const intervalMs = seconds('interval', values.interval);
  const timeoutMs = seconds('timeout', values.timeout);
  if (typeof intervalMs === 'string') return usage(io, `init-injector status: ${intervalMs}`);
  if (typeof timeoutMs === 'string') return usage(io, `init-injector status: ${timeoutMs}`);
  if (values.yes === true && values['restart-outdated'] !== true)
    return usage(io, 'init-injector status: --yes only goes with --restart-outdated');

  const loaded = await loadPolicySources(policyPaths, values.kubeconfig);
  if (!loaded.ok) {
    for (const d of loaded.error) io.err(formatDiagnostic(d) + '\n');
    io.err(`init-injector status: the policies are invalid (${loaded.error.length} problem(s))\n`);
    return Exit.Failed;
  }
  const cluster = tryConnect(values.kubeconfig);
  if ('error' in cluster) {
    io.err(`init-injector status: ${cluster.error}\n`);
    return Exit.Failed;
  }
  let report: DriftResult;
  try {
    report = await reportCluster(cluster, values.namespace ?? [], loaded.value, mode);
  } catch (error) {
    io.err(`init-injector status: cannot list the cluster: ${apiErrorLine(error, cluster.server)}\n`);
    return Exit.Failed;
  }
  if (values.output === 'json') io.out(JSON.stringify(report, null, 2) + '\n');
  else io.out(formatReport(report, values.verbose === true));
  const stale = report.summary.outdated + report.summary.missing > 0;
  if (values['restart-outdated'] === true) {
    try {
      const options = { yes: values.yes === true, intervalMs, timeoutMs };
      const ok = await restartWorkloads(cluster, restartPlan(report.workloads), options, (line) => {
        io.err(line + '\n');
      });
      if (!ok) return Exit.Failed;
    } catch (error) {
      io.err(`init-injector status: restart failed: ${apiErrorLine(error, cluster.server)}\n`);
      return Exit.Failed;
    }
  }
  return stale ? DRIFT_EXIT : Exit.Ok;
}
