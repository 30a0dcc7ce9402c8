/**
 * mutate(): the engine's one entry point (STYLE.md rule 1, §4b steps 5–8). Pure and deterministic:
 * the same input gives the same output, byte for byte. Policies are walked in (priority, name)
 * order, restricted to the candidates of the pod's namespace (the index built at load time).
 */
import type { Pod } from '../kube/wire.js';
import { ANNOTATION, annotation, nameList } from './annotations.js';
import { Draft, isPresent } from './apply.js';
import type { Miss } from './match.js';
import { resolveParams, type ParamsResult } from './params.js';
import { diff } from './patch.js';
import { Reason } from './reasons.js';
import { select, type SelectionContext } from './select.js';
import type { CelVariables, Decision, Denial, MutationInput, MutationResult, TemplateValues } from './types.js';
import { Outcome } from './types.js';
import { capWarnings } from './warnings.js';

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Reasons that warn when an optional policy is skipped: the pod author can fix them, or the policy
 * author must (condition errors). Other skips (not matched, opted out) are normal and only logged.
 */
const WARN_ON_SKIP: ReadonlySet<string> = new Set([
  Reason.ParamInvalid,
  Reason.ParamMissing,
  Reason.NameConflict,
  Reason.VolumeConflict,
  Reason.MountConflict,
  Reason.ConditionError,
]);

/**
 * Reasons that deny the pod for a `required` policy (fail closed). A required policy that cannot be
 * evaluated (its CEL condition errs, or its namespaceSelector meets unknown labels) denies rather
 * than let the pod start without it, as a matchCondition error does under failurePolicy: Fail.
 */
const DENY_IF_REQUIRED: ReadonlySet<string> = new Set([...WARN_ON_SKIP, Reason.NamespaceUnknown]);

/** Computes what the policy set does to one pod: the patch, the decisions and any denial. */
export function mutate(input: MutationInput): MutationResult {
  const pod = input.pod as Pod;
  const meta = pod.metadata ?? {};
  const annotations = meta.annotations ?? EMPTY;
  const namespace = input.namespace.name !== '' ? input.namespace.name : (meta.namespace ?? '');
  const warnings: string[] = [];

  const requested = new Set(nameList(annotation(annotations, ANNOTATION.request)));
  const unknown = [...requested].filter((n) => !input.policies.byName.has(n));
  if (unknown.length > 0)
    warnings.push(`annotation ${ANNOTATION.request} names unknown policies: ${unknown.join(', ')}`);

  const candidates = input.policies.candidates(namespace);
  // A requested policy that the namespace index rules out gets no decision below: say why here.
  for (const name of requested) {
    const policy = input.policies.byName.get(name);
    if (policy && !candidates.includes(policy))
      warnings.push(`policy ${name} skipped: namespace ${namespace} is not in its match.namespaces`);
  }
  if (candidates.length === 0)
    return { patch: [], mutated: pod, injected: [], decisions: [], warnings: capWarnings(warnings) };

  let cel: CelVariables | undefined;
  const ctx: SelectionContext = {
    namespace,
    namespaceLabels: input.namespace.labels,
    podLabels: meta.labels ?? EMPTY,
    optedOut: annotation(annotations, ANNOTATION.inject)?.trim().toLowerCase() === 'false',
    requested,
    celVariables: () => (cel ??= celVariables(input, pod, namespace)),
  };
  const values = (params: ReadonlyMap<string, string>): TemplateValues => ({
    params,
    pod: {
      name: meta.name ?? '',
      generateName: meta.generateName ?? '',
      namespace: meta.namespace !== undefined && meta.namespace !== '' ? meta.namespace : namespace,
      serviceAccountName: pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? 'default',
    },
  });
  const listed = new Set(nameList(annotation(annotations, ANNOTATION.injected)));

  const draft = new Draft(pod);
  const decisions: Decision[] = [];
  const applied: string[] = [];
  const injected: string[] = [];
  let denial: Denial | undefined;

  for (const policy of candidates) {
    const audit = policy.action === 'Audit';
    // A policy is not applied: skip it, deny the pod, or (Audit) only say so.
    const refuse = (miss: Miss, stage: 'select' | 'apply'): void => {
      const denies = audit
        ? false
        : policy.required
          ? DENY_IF_REQUIRED.has(miss.reason)
          : stage === 'apply' &&
            miss.reason !== Reason.ParamInvalid &&
            miss.reason !== Reason.ParamMissing &&
            policy.onConflict === 'Fail';
      if (denies) {
        const why = policy.required ? 'is required' : 'has onConflict: Fail';
        denial = {
          policy: policy.name,
          reason: miss.reason,
          message: `policy "${policy.name}" ${why} and cannot be applied: ${miss.detail}`,
        };
        decisions.push({ policy: policy.name, outcome: Outcome.Deny, reason: miss.reason, detail: miss.detail });
        return;
      }
      decisions.push({ policy: policy.name, outcome: Outcome.Skip, reason: miss.reason, detail: miss.detail });
      const requestedSkip = policy.mode === 'OnRequest' && requested.has(policy.name) && stage === 'select';
      if (audit && (stage === 'apply' || miss.reason === Reason.ConditionError)) {
        const would =
          policy.required || (stage === 'apply' && policy.onConflict === 'Fail' && !miss.reason.startsWith('param_'))
            ? 'deny the pod'
            : 'be skipped';
        warnings.push(`audit: policy ${policy.name} would ${would}: ${miss.detail}`);
      } else if (!audit && (WARN_ON_SKIP.has(miss.reason) || requestedSkip))
        warnings.push(`policy ${policy.name} skipped: ${miss.detail}`);
    };

    let params: ParamsResult | undefined;
    if (listed.has(policy.name)) {
      params = resolveParams(policy, annotations);
      if (params.ok && isPresent(pod, policy.render(values(params.values)))) {
        decisions.push({ policy: policy.name, outcome: Outcome.Present, reason: Reason.AlreadyInjected });
        if (!audit) applied.push(policy.name);
        continue;
      }
    }
    const miss = select(policy, ctx);
    if (miss) {
      refuse(miss, 'select');
    } else {
      params ??= resolveParams(policy, annotations);
      if (!params.ok) refuse({ reason: params.reason, detail: params.problem }, 'apply');
      else {
        const plan = draft.check(policy, policy.render(values(params.values)));
        if ('reason' in plan) refuse(plan, 'apply');
        else if (audit) {
          const names = policy.containerNames.join(', ');
          decisions.push({
            policy: policy.name,
            outcome: Outcome.Audit,
            reason: Reason.Audit,
            detail: `would inject init containers ${names}`,
          });
          warnings.push(`audit: policy ${policy.name} would inject init containers ${names}`);
        } else {
          draft.commit(plan);
          decisions.push({ policy: policy.name, outcome: Outcome.Inject });
          applied.push(policy.name);
          injected.push(policy.name);
        }
      }
    }
    if (denial) break;
  }

  if (denial) return { patch: [], mutated: pod, injected: [], decisions, warnings: capWarnings(warnings), denial };
  if (!draft.changed) return { patch: [], mutated: pod, injected, decisions, warnings: capWarnings(warnings) };
  const mutated = draft.build(applied.join(','));
  return { patch: diff(pod, mutated), mutated, injected, decisions, warnings: capWarnings(warnings) };
}

/** The CEL variables: the pod as received, the Namespace (or what is known of it), the request. */
function celVariables(input: MutationInput, pod: Pod, namespace: string): CelVariables {
  const labels = input.namespace.labels;
  const namespaceObject = input.namespace.object ?? {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, ...(labels ? { labels } : {}) },
  };
  return { object: pod, namespaceObject, request: input.request ?? { operation: 'CREATE', namespace } };
}
