/**
 * `init-injector explain`: why a pod got what it got, or what it would get now. Offline from a
 * manifest (-f), or live from the cluster (KIND/NAME): the object and its namespace's labels are
 * read with the kubeconfig; the policies always come from -p. See docs/cli.md.
 */
import type { KubeObject } from '../kube/wire.js';
import { apiErrorLine, tryConnect, namespaceFromObject, wireJson, type Cluster } from '../kube/cluster-read.js';
import { describeObject, findPodTemplate, objectsIn } from '../kube/workloads.js';
import type { NamespaceInfo, PolicySet } from '../engine/types.js';
import { formatDiagnostic } from '../policy/diagnostics.js';
import { parseCommandArgs } from './args.js';
import { loadPolicySources } from './policy-source.js';
import { namespaceInfo, parseLabelList, syntheticRequest } from './context.js';
import { explain, formatExplanation, type Explanation } from './explanation.js';
import { EXPLAIN_HELP } from './help.js';
import { Exit, usage, type CliIO } from './io.js';
import { readManifest } from './manifests.js';
import { isMode, MODES, outOfScope, type Mode } from './webhook-scope.js';

const OPTIONS = {
  policies: { type: 'string', short: 'p', multiple: true },
  filename: { type: 'string', short: 'f' },
  namespace: { type: 'string', short: 'n' },
  'namespace-labels': { type: 'string' },
  kubeconfig: { type: 'string' },
  mode: { type: 'string' },
  output: { type: 'string', short: 'o', default: 'table' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** KIND/NAME forms accepted live, as kubectl spells them, and how each is read. */
const READERS: Readonly<Record<string, (c: Cluster, name: string, namespace: string) => Promise<unknown>>> = {
  pod: (c, name, namespace) => c.core.readNamespacedPod({ name, namespace }),
  deployment: (c, name, namespace) => c.apps.readNamespacedDeployment({ name, namespace }),
  statefulset: (c, name, namespace) => c.apps.readNamespacedStatefulSet({ name, namespace }),
  daemonset: (c, name, namespace) => c.apps.readNamespacedDaemonSet({ name, namespace }),
  replicaset: (c, name, namespace) => c.apps.readNamespacedReplicaSet({ name, namespace }),
  job: (c, name, namespace) => c.batch.readNamespacedJob({ name, namespace }),
  cronjob: (c, name, namespace) => c.batch.readNamespacedCronJob({ name, namespace }),
};
const ALIASES: Readonly<Record<string, string>> = {
  po: 'pod',
  pods: 'pod',
  deploy: 'deployment',
  deployments: 'deployment',
  sts: 'statefulset',
  statefulsets: 'statefulset',
  ds: 'daemonset',
  daemonsets: 'daemonset',
  rs: 'replicaset',
  replicasets: 'replicaset',
  jobs: 'job',
  cj: 'cronjob',
  cronjobs: 'cronjob',
};
const KINDS: Readonly<Record<string, string>> = {
  pod: 'Pod',
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
  replicaset: 'ReplicaSet',
  job: 'Job',
  cronjob: 'CronJob',
};

interface Scope {
  readonly policies: PolicySet;
  readonly mode?: Mode;
}

function explainObject(obj: KubeObject, index: number, ns: NamespaceInfo, scope: Scope): Explanation | undefined {
  const slot = findPodTemplate(obj);
  if (slot === undefined) return undefined;
  const template = obj.kind !== 'Pod';
  const name = describeObject(obj, index).replace('/', ` ${ns.name}/`);
  const excluded = outOfScope(slot.pod, ns.name, ns.labels ?? {}, scope.mode);
  return explain({
    object: name,
    pod: slot.pod,
    template,
    namespace: ns,
    policies: scope.policies,
    request: syntheticRequest(ns.name, slot.pod.metadata?.name),
    ...(excluded === undefined ? {} : { excluded }),
  });
}

/** Runs `explain` and returns the exit code. */
export async function runExplain(argv: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs('explain', argv, OPTIONS);
  if (!parsed.ok) return usage(io, parsed.message);
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(EXPLAIN_HELP);
    return Exit.Ok;
  }
  const policyPaths = values.policies ?? [];
  if (policyPaths.length === 0) return usage(io, 'init-injector explain: -p DIR (the policies) is required');
  const live = positionals[0];
  if ((live === undefined) === (values.filename === undefined))
    return usage(io, 'init-injector explain: give either -f FILE (offline) or KIND/NAME (live), not both');
  if (positionals.length > 1) return usage(io, `init-injector explain: unexpected argument "${positionals[1] ?? ''}"`);
  if (values.output !== 'table' && values.output !== 'json')
    return usage(io, `init-injector explain: -o "${values.output}" is not one of table, json`);
  const mode = values.mode;
  if (mode !== undefined && !isMode(mode))
    return usage(io, `init-injector explain: --mode "${mode}" is not one of ${MODES.join(', ')}`);
  const labels = parseLabelList(values['namespace-labels'] ?? '');
  if ('error' in labels) return usage(io, `init-injector explain: ${labels.error}`);
  if (live !== undefined && values['namespace-labels'] !== undefined)
    return usage(
      io,
      'init-injector explain: --namespace-labels is for -f; live, the namespace is read from the cluster',
    );

  const loaded = await loadPolicySources(policyPaths, values.kubeconfig);
  if (!loaded.ok) {
    for (const d of loaded.error) io.err(formatDiagnostic(d) + '\n');
    io.err(`init-injector explain: the policies are invalid (${loaded.error.length} problem(s))\n`);
    return Exit.Failed;
  }
  const scope: Scope = { policies: loaded.value, ...(mode === undefined ? {} : { mode: mode }) };
  let explanations: Explanation[];
  if (live !== undefined) {
    const got = await explainLive(live, values.namespace ?? 'default', values.kubeconfig, scope);
    if ('error' in got) {
      io.err(`init-injector explain: ${got.error}\n`);
      return got.usage === true ? Exit.Usage : Exit.Failed;
    }
    explanations = [got.explanation];
  } else {
    const manifest = await readManifest(values.filename ?? '-', io);
    if ('error' in manifest) {
      io.err(`error: ${manifest.error}\n`);
      return Exit.Failed;
    }
    explanations = [];
    for (const [obj, index] of objectsIn(manifest.docs)) {
      const namespace = values.namespace ?? obj.metadata?.namespace ?? 'default';
      const e = explainObject(obj, index, namespaceInfo(namespace, labels.labels), scope);
      if (e !== undefined) explanations.push(e);
    }
    if (explanations.length === 0) {
      io.err('init-injector explain: the manifest has no Pod and no pod template\n');
      return Exit.Failed;
    }
  }
  if (values.output === 'json') io.out(JSON.stringify(explanations, null, 2) + '\n');
  else io.out(explanations.map(formatExplanation).join('\n'));
  return Exit.Ok;
}

async function explainLive(
  ref: string,
  namespace: string,
  kubeconfig: string | undefined,
  scope: Scope,
): Promise<{ explanation: Explanation } | { error: string; usage?: boolean }> {
  const slash = ref.indexOf('/');
  const typed = slash > 0 ? ref.slice(0, slash).toLowerCase() : '';
  const kind = ALIASES[typed] ?? typed;
  const name = ref.slice(slash + 1);
  const read = Object.hasOwn(READERS, kind) ? READERS[kind] : undefined;
  if (read === undefined || name === '')
    return { error: `"${ref}" is not KIND/NAME with KIND one of ${Object.keys(READERS).join(', ')}`, usage: true };
  const cluster = tryConnect(kubeconfig);
  if ('error' in cluster) return cluster;
  try {
    const [object, ns] = await Promise.all([
      read(cluster, name, namespace),
      cluster.core.readNamespace({ name: namespace }),
    ]);
    const obj: KubeObject = { ...(wireJson(object) as KubeObject), kind: KINDS[kind] ?? kind };
    const explanation = explainObject(obj, 0, namespaceFromObject(wireJson(ns)), scope);
    if (explanation === undefined) return { error: `${ref} has no pod template` };
    return { explanation };
  } catch (error) {
    return { error: `cannot read ${ref} in namespace ${namespace}: ${apiErrorLine(error, cluster.server)}` };
  }
}
