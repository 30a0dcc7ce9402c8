/**
 * drift(): how a pod that exists compares with the policy set in force now (docs/semantics.md, "What
 * a pod records"). For every policy: current (recorded digest = the digest it renders for the pod
 * now, and its containers are there), outdated (either differs), missing (not recorded, and the
 * policy would be injected or would deny now), removed (recorded, no longer in the set), or not
 * applicable (not recorded and the policy would skip: its decision says why). Pure, like mutate().
 */
import type { Pod } from '../kube/wire.js';
import { ANNOTATION, annotation, digestMap, nameList } from './annotations.js';
import { mutate, podValues } from './mutate.js';
import { resolveParams } from './params.js';
import type { CompiledPolicy, Decision, MutationInput, PolicySet } from './types.js';
import { Outcome } from './types.js';

export const DriftState = {
  Current: 'current',
  Outdated: 'outdated',
  Missing: 'missing',
  Removed: 'removed',
  NotApplicable: 'not-applicable',
} as const;
export type DriftState = (typeof DriftState)[keyof typeof DriftState];

/** One policy's drift for one pod. */
export interface PolicyDrift {
  readonly policy: string;
  readonly state: DriftState;
  /** The digest the pod records for the policy, when it records one. */
  readonly recorded?: string;
  /** The digest the policy renders for the pod now, when it can render. */
  readonly current?: string;
  /** The policy's decision for the pod now (absent for removed policies). */
  readonly decision?: Decision;
  /** A sentence for people. */
  readonly detail: string;
}

/** Every policy of the set in policy order, then the removed ones in the pod's order. */
export type DriftReport = readonly PolicyDrift[];

/** The set reduced to one policy, so that one policy's decision never depends on another's denial. */
function only(set: PolicySet, policy: CompiledPolicy): PolicySet {
  return {
    policies: [policy],
    byName: new Map([[policy.name, policy]]),
    candidates: (namespace, labels) => set.candidates(namespace, labels).filter((p) => p === policy),
    revision: set.revision,
  };
}

/**
 * The pod as its admission request carried it, as far as that matters here: a pod made from
 * generateName had no name yet, so `{{ pod.name }}` rendered empty and CEL saw no name.
 */
function asAdmitted(pod: Pod): Pod {
  const meta = pod.metadata;
  if (meta?.generateName === undefined || meta.generateName === '' || meta.name?.startsWith(meta.generateName) !== true)
    return pod;
  const metadata = { ...meta };
  delete metadata.name;
  return { ...pod, metadata };
}

/** Compares a stored pod (or a workload's pod template) with the policy set of `input`. */
export function drift(input: MutationInput): DriftReport {
  const pod = asAdmitted(input.pod);
  const annotations = pod.metadata?.annotations ?? {};
  const recorded = nameList(annotation(annotations, ANNOTATION.injected));
  const digests = digestMap(annotation(annotations, ANNOTATION.digests));
  const namespace = input.namespace.name !== '' ? input.namespace.name : (pod.metadata?.namespace ?? '');
  const report: PolicyDrift[] = [];
  for (const policy of input.policies.policies) {
    const result = mutate({ ...input, pod, policies: only(input.policies, policy), allDecisions: true });
    const decision = result.decisions.find((d) => d.policy === policy.name);
    const params = resolveParams(policy, annotations);
    const current = params.ok
      ? policy.render({ params: params.values, pod: podValues(pod, namespace) }).digest()
      : undefined;
    const base = {
      policy: policy.name,
      ...(current === undefined ? {} : { current }),
      ...(decision ? { decision } : {}),
    };
    if (recorded.includes(policy.name)) {
      const was = digests.get(policy.name);
      const present = decision?.outcome === Outcome.Present;
      const withWas = was === undefined ? base : { ...base, recorded: was };
      if (present && (was === undefined || was === current)) {
        const detail = was === undefined ? 'containers match the policy now (no digest recorded)' : 'up to date';
        report.push({ ...withWas, state: DriftState.Current, detail });
      } else {
        const detail =
          was !== undefined && was !== current
            ? `the policy renders ${current ?? '(cannot render: its parameters are invalid)'} for this pod now; the pod records ${was}`
            : "the pod's containers differ from what the policy renders now";
        report.push({ ...withWas, state: DriftState.Outdated, detail });
      }
      continue;
    }
    if (decision?.outcome === Outcome.Inject) {
      report.push({ ...base, state: DriftState.Missing, detail: 'applies now, and the pod does not have it' });
    } else if (decision?.outcome === Outcome.Deny) {
      const why = result.denial?.message ?? decision.detail ?? '';
      report.push({ ...base, state: DriftState.Missing, detail: `required now, and would deny the pod: ${why}` });
    } else {
      const why = decision?.detail ?? decision?.reason ?? 'not a candidate for this pod';
      report.push({ ...base, state: DriftState.NotApplicable, detail: why });
    }
  }
  for (const name of recorded) {
    if (input.policies.byName.has(name)) continue;
    const was = digests.get(name);
    report.push({
      policy: name,
      state: DriftState.Removed,
      ...(was === undefined ? {} : { recorded: was }),
      detail: 'recorded on the pod, no longer in the policy set',
    });
  }
  return report;
}
