/**
 * What `explain` says about one pod or pod template: per policy, its decision now (matched or not
 * and why), the containers it injects, and — for a pod that exists — whether the pod is current,
 * outdated or missing it (engine drift()). A template was never injected: its rows say what a new
 * pod would get instead. Printed as a table for people or as JSON for scripts.
 */
import { drift, DriftState, type PolicyDrift } from '../engine/drift.js';
import type { CompiledPolicy, NamespaceInfo, PolicySet, RequestInfo } from '../engine/types.js';
import { initSlots } from '../engine/placement.js';
import type { Pod } from '../kube/wire.js';

/** The state column: drift states for pods; for templates what a new pod would get. */
export type RowState = DriftState | 'would-inject' | 'would-deny';

export interface ExplainRow {
  readonly policy: string;
  readonly state: RowState;
  /** outcome, or outcome/reason: "inject", "present", "skip/no_match", "deny/param_invalid". */
  readonly decision: string;
  /** Init containers the policy injects. */
  readonly injects: readonly string[];
  readonly recorded?: string;
  readonly current?: string;
  readonly detail: string;
}

export interface Explanation {
  /** Kind namespace/name. */
  readonly object: string;
  readonly namespace: string;
  /** True for a workload's pod template, false for a pod that exists. */
  readonly template: boolean;
  /** Why the webhook would never see this pod (then there are no rows). */
  readonly excluded?: string;
  /** current, outdated, missing or "outdated, missing" (pods); would-inject or unchanged (templates). */
  readonly summary: string;
  readonly rows: readonly ExplainRow[];
}

export interface ExplainInput {
  readonly object: string;
  readonly pod: Pod;
  readonly template: boolean;
  readonly namespace: NamespaceInfo;
  readonly policies: PolicySet;
  readonly request?: RequestInfo;
  readonly excluded?: string;
}

function decisionText(d: PolicyDrift): string {
  if (d.decision === undefined) return '-';
  return d.decision.reason === undefined ? d.decision.outcome : `${d.decision.outcome}/${d.decision.reason}`;
}

function templateState(d: PolicyDrift): RowState {
  if (d.decision?.outcome === 'inject') return 'would-inject';
  if (d.decision?.outcome === 'deny') return 'would-deny';
  return DriftState.NotApplicable;
}

/** Pod summary: the worst states found, or current. */
export function podSummary(states: readonly string[]): string {
  const bad = ['outdated', 'missing'].filter(
    (s) => states.includes(s) || (s === 'outdated' && states.includes('removed')),
  );
  return bad.length > 0 ? bad.join(', ') : 'current';
}

/**
 * For a policy that injects now and has an anchor that finds no init container: says that
 * `placement` decides instead (docs/semantics.md, "Placement and anchors"). `names` are the init
 * containers the policy's turn would see: the pod's own and those of earlier injecting policies.
 */
function anchorNote(policy: CompiledPolicy | undefined, names: ReadonlySet<string>): string | undefined {
  const anchor = policy?.anchor;
  if (policy === undefined || anchor === undefined) return undefined;
  const name = anchor.before ?? anchor.after;
  if (names.has(name)) return undefined;
  const side = anchor.before === undefined ? 'after' : 'before';
  return `anchor ${side} "${name}": the pod has no init container of that name, so placement ${policy.placement} places it`;
}

/** The names of the pod's own init containers, as the engine lists them (placement.ts). */
function initNames(pod: Pod): Set<string> {
  const names = initSlots(pod.spec?.initContainers).map((s) => s.container?.name);
  return new Set(names.filter((n) => typeof n === 'string'));
}

/** Builds the explanation of one pod or template. */
export function explain(input: ExplainInput): Explanation {
  const base = { object: input.object, namespace: input.namespace.name, template: input.template };
  if (input.excluded !== undefined)
    return { ...base, excluded: input.excluded, summary: 'not seen by the webhook', rows: [] };
  const report = drift({
    pod: input.pod,
    namespace: input.namespace,
    policies: input.policies,
    ...(input.request ? { request: input.request } : {}),
  });
  // Policies run in order, each seeing the init containers of those before it that inject.
  const names = initNames(input.pod);
  const rows = report.map((d): ExplainRow => {
    const policy = input.policies.byName.get(d.policy);
    const injects = d.decision?.outcome === 'inject';
    let detail = input.template && injects ? 'a new pod would get it' : d.detail;
    if (injects) {
      const note = anchorNote(policy, names);
      if (note !== undefined) detail = `${detail}; ${note}`;
      for (const n of policy?.containerNames ?? []) names.add(n);
    }
    return {
      policy: d.policy,
      state: input.template ? templateState(d) : d.state,
      decision: decisionText(d),
      injects: policy?.containerNames ?? [],
      ...(d.recorded === undefined ? {} : { recorded: d.recorded }),
      ...(d.current === undefined ? {} : { current: d.current }),
      detail,
    };
  });
  const states = rows.map((r) => r.state);
  const summary = input.template
    ? states.includes('would-deny')
      ? 'would be denied'
      : states.includes('would-inject')
        ? 'would be injected'
        : 'unchanged'
    : podSummary(states);
  return { ...base, summary, rows };
}

function digestText(r: ExplainRow): string {
  if (r.recorded !== undefined && r.current !== undefined && r.recorded !== r.current)
    return `${r.recorded} -> ${r.current}`;
  return r.recorded ?? r.current ?? '-';
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** The human form: one heading line, then a table of the policies. */
export function formatExplanation(e: Explanation): string {
  const head = `${e.object}${e.template ? ' (pod template)' : ''}: ${e.summary}\n`;
  if (e.excluded !== undefined) return `${head}  ${e.excluded}\n`;
  const rows = e.rows.map((r) => [
    r.policy,
    r.state,
    r.decision,
    r.injects.length === 0 ? '-' : r.injects.join(','),
    digestText(r),
    r.detail,
  ]);
  const body = table(['POLICY', 'STATE', 'DECISION', 'INJECTS', 'DIGEST', 'WHY'], rows);
  return head + body.replace(/^/gm, '  ').replace(/ +$/, '');
}
