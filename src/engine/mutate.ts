/**
 * mutate(): the engine's one entry point, from selection through parameters, rendering and apply to
 * the patch; one input record in, one result record out. Pure and deterministic: the same input
 * gives the same output, byte for byte. Policies are walked in (priority, name) order, restricted
 * to the candidates of the pod's namespace (the index built at load time).
 */
import type { Pod } from '../kube/wire.js';
import { ANNOTATION, annotation, nameList } from './annotations.js';
import { Draft, withRecords } from './apply.js';
import { podOs } from './os.js';
import { fitQos, podQosClass, type POD_LEVEL, type QosClass } from './qos.js';
import { CelBudget } from './cel-budget.js';
import type { Miss } from './match.js';
import { resolveParams, type ParamsResult } from './params.js';
import { diff, recordOps } from './patch.js';
import { Reason, REFUSALS } from './reasons.js';
import { select, type SelectionContext } from './select.js';
import type {
  CelVariables,
  CompiledPolicy,
  Decision,
  Denial,
  MutationInput,
  MutationResult,
  RenderedParts,
  TemplateValues,
} from './types.js';
import { Outcome } from './types.js';
import { capWarnings } from './warnings.js';

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

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

  const candidates = input.policies.candidates(namespace, meta.labels ?? EMPTY);
  // The policies the namespace alone admits: built only when the index ruled a policy out.
  let inNamespace: ReadonlySet<CompiledPolicy> | undefined;
  // A requested policy that the index rules out gets no decision below: say why here.
  for (const name of requested) {
    const policy = input.policies.byName.get(name);
    if (policy && !candidates.includes(policy)) {
      inNamespace ??= new Set(input.policies.candidates(namespace));
      warnings.push(`policy ${name} skipped: ${ruledOut(policy, namespace, inNamespace).detail ?? ''}`);
    }
  }
  let result: MutationResult;
  if (candidates.length === 0)
    result = { patch: [], mutated: pod, injected: [], decisions: [], warnings: capWarnings(warnings) };
  else {
    const pass = new Pass(input, pod, annotations, namespace, requested, warnings);
    for (const policy of candidates) {
      pass.consider(policy);
      if (pass.denial) break;
    }
    result = pass.result();
  }
  if (input.allDecisions !== true || candidates.length === input.policies.policies.length) return result;
  const decided = new Map(result.decisions.map((d) => [d.policy, d]));
  const isCandidate = new Set(candidates);
  const decisions = input.policies.policies.flatMap((p) => {
    const d = decided.get(p.name);
    if (d !== undefined) return [d];
    if (isCandidate.has(p)) return [];
    inNamespace ??= new Set(input.policies.candidates(namespace));
    return [ruledOut(p, namespace, inNamespace)];
  });
  return { ...result, decisions };
}

/** The no_match decision of a policy the candidates index ruled out, naming the field that did. */
function ruledOut(policy: CompiledPolicy, namespace: string, inNamespace: ReadonlySet<CompiledPolicy>): Decision {
  return {
    policy: policy.name,
    outcome: Outcome.Skip,
    reason: Reason.NoMatch,
    detail: inNamespace.has(policy)
      ? 'pod labels do not match match.podSelector'
      : `namespace ${namespace} is not in match.namespaces`,
  };
}

/**
 * The state of one mutate() call. A class rather than closures in the loop: with 1000 policies the
 * loop body runs hundreds of times per request and must allocate next to nothing.
 */
class Pass {
  readonly #pod: Pod;
  readonly #annotations: Readonly<Record<string, string>>;
  readonly #ctx: SelectionContext;
  readonly #podValues: TemplateValues['pod'];
  readonly #listed: ReadonlySet<string>;
  readonly #draft: Draft;
  readonly #warnings: string[];
  readonly #decisions: Decision[] = [];
  readonly #applied: string[] = [];
  readonly #digests: string[] = [];
  readonly #injected: string[] = [];
  #qosClass: QosClass | typeof POD_LEVEL | undefined;
  denial: Denial | undefined;

  constructor(
    input: MutationInput,
    pod: Pod,
    annotations: Readonly<Record<string, string>>,
    namespace: string,
    requested: ReadonlySet<string>,
    warnings: string[],
  ) {
    const meta = pod.metadata ?? {};
    this.#pod = pod;
    this.#annotations = annotations;
    this.#warnings = warnings;
    let cel: CelVariables | undefined;
    this.#ctx = {
      namespace,
      namespaceLabels: input.namespace.labels,
      namespaceUnknownWhy: input.namespace.unknownWhy,
      podLabels: meta.labels ?? EMPTY,
      optedOut: annotation(annotations, ANNOTATION.inject)?.trim().toLowerCase() === 'false',
      requested,
      os: podOs(pod),
      celVariables: () => (cel ??= celVariables(input, pod, namespace)),
      celBudget: new CelBudget(),
    };
    this.#podValues = podValues(pod, namespace);
    this.#listed = new Set(nameList(annotation(annotations, ANNOTATION.injected)));
    this.#draft = new Draft(pod);
  }

  /** Decides one policy: present, skipped, denied, audited or injected. */
  consider(policy: CompiledPolicy): void {
    const audit = policy.action === 'Audit';
    let params: ParamsResult | undefined;
    if (this.#listed.has(policy.name)) {
      params = resolveParams(policy, this.#annotations);
      const parts = params.ok ? this.#render(policy, params.values) : undefined;
      if (parts !== undefined && !('reason' in parts) && this.#draft.isPresent(policy, parts)) {
        this.#decisions.push({ policy: policy.name, outcome: Outcome.Present, reason: Reason.AlreadyInjected });
        if (!audit) this.#apply(policy.name, parts.digest());
        return;
      }
    }
    const miss = select(policy, this.#ctx);
    if (miss) {
      this.#refuse(policy, miss);
      return;
    }
    params ??= resolveParams(policy, this.#annotations);
    if (!params.ok) {
      this.#refuse(policy, { reason: params.reason, detail: params.problem });
      return;
    }
    const parts = this.#render(policy, params.values);
    if ('reason' in parts) {
      this.#refuse(policy, parts);
      return;
    }
    const plan = this.#draft.check(policy, parts);
    if ('reason' in plan) this.#refuse(policy, plan);
    else if (audit) {
      const detail = `would inject init containers ${policy.containerNames.join(', ')}`;
      this.#decisions.push({ policy: policy.name, outcome: Outcome.Audit, reason: Reason.Audit, detail });
      this.#warnings.push(`audit: policy ${policy.name} ${detail}`);
    } else {
      this.#draft.commit(plan);
      this.#decisions.push({ policy: policy.name, outcome: Outcome.Inject });
      this.#apply(policy.name, parts.digest());
      this.#injected.push(policy.name);
    }
  }

  #apply(name: string, digest: string): void {
    this.#applied.push(name);
    this.#digests.push(`${name}=${digest}`);
  }

  /**
   * The policy's objects for this pod: placeholders substituted, then cpu and memory fitted to the
   * pod's QoS class (computed once, from the pod as received: injection preserves it).
   */
  #render(policy: CompiledPolicy, params: ReadonlyMap<string, string>): RenderedParts | Miss {
    const parts = policy.render({ params, pod: this.#podValues });
    this.#qosClass ??= podQosClass(this.#pod);
    return fitQos(policy, parts, this.#qosClass);
  }

  /**
   * A policy is not applied: skip it, deny the pod, or (Audit) only say what would happen. What
   * each reason does is data: REFUSALS, the decision table of reasons.ts.
   */
  #refuse(policy: CompiledPolicy, miss: Miss): void {
    const rule = REFUSALS[miss.reason];
    const wouldDeny = policy.required ? rule.requiredDenies : policy.onConflict === 'Fail' && rule.failDenies;
    const decision = (outcome: Outcome): Decision => ({
      policy: policy.name,
      outcome,
      reason: miss.reason,
      detail: miss.detail,
    });
    if (policy.action === 'Audit') {
      this.#decisions.push(decision(Outcome.Skip));
      if (rule.warns)
        this.#warnings.push(
          `audit: policy ${policy.name} would ${wouldDeny ? 'deny the pod' : 'be skipped'}: ${miss.detail}`,
        );
      return;
    }
    if (wouldDeny) {
      const why = policy.required ? 'is required' : 'has onConflict: Fail';
      this.denial = {
        policy: policy.name,
        reason: miss.reason,
        message: `policy "${policy.name}" ${why} and cannot be applied: ${miss.detail}`,
      };
      this.#decisions.push(decision(Outcome.Deny));
      return;
    }
    this.#decisions.push(decision(Outcome.Skip));
    const requested = policy.mode === 'OnRequest' && this.#ctx.requested.has(policy.name);
    if (rule.warns || requested) this.#warnings.push(`policy ${policy.name} skipped: ${miss.detail}`);
  }

  /** The result record; on denial the pod is unchanged and nothing is reported as injected. */
  result(): MutationResult {
    const base = { decisions: this.#decisions, warnings: capWarnings(this.#warnings) };
    if (this.denial) return { ...base, patch: [], mutated: this.#pod, injected: [], denial: this.denial };
    if (!this.#draft.changed) return { ...base, patch: [], mutated: this.#pod, injected: this.#injected };
    const records = {
      [ANNOTATION.injected]: this.#applied.join(','),
      [ANNOTATION.digests]: this.#digests.join(','),
    };
    const changed = this.#draft.build();
    const patch = [...recordOps(this.#pod, records), ...diff(this.#pod, changed)];
    // The whole mutated pod copies the pod's annotations: built when first read (the CLI reads it,
    // the server only sends the patch), so a pod's annotations cost an admission nothing.
    let mutated: Pod | undefined;
    return {
      ...base,
      patch,
      get mutated(): Pod {
        return (mutated ??= withRecords(changed, records));
      },
      injected: this.#injected,
    };
  }
}

/** The `{{ pod.* }}` values of a pod as the admission request carries it. */
export function podValues(pod: Pod, namespace: string): TemplateValues['pod'] {
  const meta = pod.metadata ?? {};
  return {
    name: meta.name ?? '',
    generateName: meta.generateName ?? '',
    namespace: meta.namespace !== undefined && meta.namespace !== '' ? meta.namespace : namespace,
    serviceAccountName: pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? 'default',
  };
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
