/**
 * Why a policy was skipped, denied or only audited: a closed set of codes, each with a sentence,
 * shared by logs, metrics, warnings and the CLI. Codes are metric label values and log fields;
 * sentences go to warnings and the CLI. Keep the set closed: a new code is a new entry here and in
 * docs/reasons.md.
 */
export const Reason = {
  OptedOut: 'opted_out',
  NotRequested: 'not_requested',
  NoMatch: 'no_match',
  Excluded: 'excluded',
  OsMismatch: 'os_mismatch',
  ConditionFalse: 'condition_false',
  ConditionError: 'condition_error',
  NamespaceUnknown: 'namespace_labels_unknown',
  AlreadyInjected: 'already_injected',
  NameConflict: 'name_conflict',
  VolumeConflict: 'volume_conflict',
  MountConflict: 'mount_conflict',
  ParamInvalid: 'param_invalid',
  ParamMissing: 'param_missing',
  QosChange: 'qos_change',
  Audit: 'audit',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export const REASON_TEXT: Readonly<Record<Reason, string>> = {
  opted_out: 'pod has annotation init-injector.io/inject: "false"',
  not_requested: 'policy is OnRequest and the pod does not list it in annotation init-injector.io/request',
  no_match: "pod does not match the policy's match block",
  excluded: "pod matches the policy's exclude block",
  os_mismatch:
    'the pod runs on an operating system the policy does not target (spec.operatingSystems; Linux only by default)',
  condition_false: 'a CEL condition of the policy is false for this pod',
  condition_error:
    'a CEL condition of the policy failed to evaluate for this pod, or the CEL cost budget of the admission is spent',
  namespace_labels_unknown: "the namespace's labels are not known, so a namespaceSelector cannot match",
  already_injected:
    'the policy is already applied to this pod (listed in init-injector.io/injected, containers present)',
  name_conflict: 'a container of the pod already has the name of an init container the policy injects',
  volume_conflict: 'the pod has a volume with the same name as a policy volume but a different definition',
  mount_conflict:
    'a container of the pod already uses a mountPath the policy mounts, or the pod has more app containers than a policy mounts into',
  param_invalid: 'a parameter value from a pod annotation does not match its pattern',
  param_missing: 'a parameter has neither an annotation value nor a default',
  qos_change:
    "injecting would change the pod's QoS class, and the policy's init containers lack the cpu or memory value needed to keep it",
  audit: 'the policy is in Audit mode: it reports what it would inject and changes nothing',
};

/** What a reason does to a policy that is not applied: one row of the decision table. */
export interface Refusal {
  /** A `required` policy denies the pod (fail closed) instead of being skipped. */
  readonly requiredDenies: boolean;
  /** An optional policy with `onConflict: Fail` denies the pod instead of being skipped. */
  readonly failDenies: boolean;
  /**
   * The skip is a warning to the user, and an Audit policy says what would have happened. Other
   * skips warn only when the pod asked for the policy (an OnRequest policy it names).
   */
  readonly warns: boolean;
}

const NORMAL: Refusal = { requiredDenies: false, failDenies: false, warns: false };
const CONFLICT: Refusal = { requiredDenies: true, failDenies: true, warns: true };
const PARAMETER: Refusal = { requiredDenies: true, failDenies: false, warns: true };

/**
 * The decision table, as data: for each reason, whether it denies for a required policy, whether
 * it denies for onConflict: Fail, and whether it warns. docs/semantics.md shows the same table and
 * test/unit/engine/decision-table.test.ts checks both, row by row. Selection reasons (the policy
 * does not apply to this pod) are normal; a condition that cannot be evaluated or namespace labels
 * that are not known make a required policy fail closed; parameters are the pod author's to fix
 * (onConflict does not turn them into denials); conflicts follow onConflict.
 */
export const REFUSALS: Readonly<Record<Reason, Refusal>> = {
  opted_out: NORMAL,
  not_requested: NORMAL,
  no_match: NORMAL,
  excluded: NORMAL,
  os_mismatch: NORMAL,
  condition_false: NORMAL,
  condition_error: { requiredDenies: true, failDenies: false, warns: true },
  namespace_labels_unknown: { requiredDenies: true, failDenies: false, warns: false },
  name_conflict: CONFLICT,
  volume_conflict: CONFLICT,
  mount_conflict: CONFLICT,
  qos_change: CONFLICT,
  param_invalid: PARAMETER,
  param_missing: PARAMETER,
  // Not refusals: the policy is present already, or only audited. Never passed to the table.
  already_injected: NORMAL,
  audit: NORMAL,
};
