/**
 * The engine's contract: one input record in, one result record out.
 * Everything here is plain data or pure functions compiled at load time; nothing does I/O.
 */
import type { Operation } from 'fast-json-patch';
import type { Container, Pod, Volume, VolumeMount } from '../kube/wire.js';
import type { CelBudget } from './cel-budget.js';
import type { Bound, ParameterType } from './param-types.js';
import type { Reason } from './reasons.js';

export type { Operation };

export const Mode = { Always: 'Always', OnRequest: 'OnRequest' } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];
export const Placement = { Prepend: 'Prepend', Append: 'Append' } as const;
export type Placement = (typeof Placement)[keyof typeof Placement];
/** Exactly one of the two: the name of the init container to go right before, or right after. */
export type Anchor =
  { readonly before: string; readonly after?: never } | { readonly after: string; readonly before?: never };
export const Action = { Inject: 'Inject', Audit: 'Audit' } as const;
export type Action = (typeof Action)[keyof typeof Action];
export const OnConflict = { Skip: 'Skip', Fail: 'Fail' } as const;
export type OnConflict = (typeof OnConflict)[keyof typeof OnConflict];
/** The operating systems a policy's containers run on (the values of a pod's spec.os.name). */
export const OperatingSystem = { Linux: 'linux', Windows: 'windows' } as const;
export type OperatingSystem = (typeof OperatingSystem)[keyof typeof OperatingSystem];
/** The QoS classes a policy keeps: injecting into a pod of such a class never changes it (qos.ts). */
export type PreservedQos = 'Guaranteed' | 'BestEffort';
/** For a Guaranteed pod: which of the policy's values become both request and limit. */
export const QosSource = { Limits: 'Limits', Requests: 'Requests' } as const;
export type QosSource = (typeof QosSource)[keyof typeof QosSource];
/** Which of the pod's native sidecars (init containers with restartPolicy: Always) get the mounts. */
export const SidecarMounts = { AfterInjected: 'AfterInjected', All: 'All', None: 'None' } as const;
export type SidecarMounts = (typeof SidecarMounts)[keyof typeof SidecarMounts];

export type Labels = Readonly<Record<string, string>>;

export type { CelBudget };

/** The variables a CEL condition sees, as in a MutatingWebhookConfiguration's matchConditions. */
export interface CelVariables {
  readonly object: unknown;
  readonly namespaceObject: unknown;
  readonly request: unknown;
}

/** A label selector compiled once: true when the labels satisfy every part. */
export type LabelMatcher = (labels: Labels) => boolean;

export interface CompiledCondition {
  readonly name: string;
  readonly expression: string;
  /**
   * Evaluates the compiled CEL program, charging `budget` for what it reads; throws on evaluation
   * errors and on a spent budget (the engine turns both into condition_error).
   */
  readonly evaluate: (vars: CelVariables, budget: CelBudget) => unknown;
}

/** A match or exclude block, compiled. Absent parts are not checked. */
export interface CompiledMatch {
  readonly namespaces?: {
    readonly exact: ReadonlySet<string>;
    readonly globs: readonly RegExp[];
  };
  readonly namespaceSelector?: LabelMatcher;
  readonly podSelector?: LabelMatcher;
  /**
   * One label (key, value) from podSelector.matchLabels that every matching pod carries: the
   * candidates index files the policy under it, so pods without that label never look at it.
   */
  readonly podLabelKey?: readonly [string, string];
  readonly conditions?: readonly CompiledCondition[];
}

/** A compiled parameter pattern: whether a whole value matches, and the pattern as written. */
export interface ValuePattern {
  readonly source: string;
  test(value: string): boolean;
}

export interface CompiledParameter {
  readonly name: string;
  /** String unless declared; the other types are read, bounded and rendered by param-types.ts. */
  readonly type: ParameterType;
  /** Bounds of an Integer, Duration or Quantity parameter, inclusive. */
  readonly minimum?: Bound;
  readonly maximum?: Bound;
  /** The pod annotation that sets it (defaulted to init-injector.io/<policy>.<parameter>). */
  readonly annotation: string;
  readonly default?: string;
  /** Longest value accepted, in characters (UTF-16 code units, as String.length counts). */
  readonly maxLength?: number;
  /** RE2, linear time, anchored; a value must match it. */
  readonly pattern?: ValuePattern;
}

/** The values a template placeholder can take for one pod: `{{ params.NAME }}` and `{{ pod.FIELD }}`. */
export interface TemplateValues {
  readonly params: ReadonlyMap<string, string>;
  readonly pod: {
    readonly name: string;
    readonly generateName: string;
    readonly namespace: string;
    readonly serviceAccountName: string;
  };
}

/** A policy's injected objects with every placeholder substituted for one pod. */
export interface RenderedParts {
  readonly initContainers: readonly Container[];
  readonly volumes: readonly Volume[];
  readonly mounts: readonly VolumeMount[];
  /**
   * Short hash of these objects and of where the policy puts them, before any QoS fit: what the pod
   * records per applied policy (init-injector.io/digests), so that a changed policy, parameter
   * default or annotation value shows as drift and nothing else does. A function, computed on first
   * call: most renders are never applied, and an accessor property would slow every render down.
   */
  readonly digest: () => string;
}

/** Where a policy came from, for messages. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/** One InjectionPolicy, validated and compiled; frozen. */
export interface CompiledPolicy {
  readonly name: string;
  readonly description: string;
  readonly mode: Mode;
  readonly required: boolean;
  readonly priority: number;
  readonly placement: Placement;
  /** Placement next to a named init container; `placement` applies when the pod has none of that name. */
  readonly anchor?: Anchor;
  readonly action: Action;
  readonly onConflict: OnConflict;
  /** The pod operating systems the policy applies to (os.ts says how a pod's is read). */
  readonly operatingSystems: readonly OperatingSystem[];
  /** How the injected containers' cpu and memory are fitted to the pod's QoS class (qos.ts). */
  readonly qos: { readonly preserve: readonly PreservedQos[]; readonly guaranteedFrom: QosSource };
  /** Absent: every pod matches. */
  readonly match?: CompiledMatch;
  /** Absent: nothing is excluded. */
  readonly exclude?: CompiledMatch;
  readonly parameters: readonly CompiledParameter[];
  /** Container templates; string fields may hold {{ params.X }} / {{ pod.Y }}. */
  readonly initContainers: readonly Container[];
  readonly volumes: readonly Volume[];
  readonly volumeMounts: {
    /** '*' for every app container, or names (of app containers and native sidecars). */
    readonly containers: '*' | readonly string[];
    /** Which of the pod's native sidecars are mount targets too (then filtered by `containers`). */
    readonly sidecars: SidecarMounts;
    readonly mounts: readonly VolumeMount[];
  };
  /** Secret names added to the pod's imagePullSecrets (merged by name) when the policy is injected. */
  readonly imagePullSecrets: readonly string[];
  readonly source: SourceRef;
  /** Names of `initContainers`, in order (precomputed for conflict checks). */
  readonly containerNames: readonly string[];
  /**
   * Substitutes the placeholders, precompiled at load time, in one pass: values are inserted as
   * literal text, never parsed and never re-scanned. Returns the frozen templates themselves when
   * the policy has no placeholder.
   */
  readonly render: (values: TemplateValues) => RenderedParts;
  /** sha256 of the canonical JSON of the validated document: PolicySet.revision is built from these. */
  readonly digest: string;
}

/**
 * An immutable, compiled set of policies, ordered by (priority, name). Built once per (re)load;
 * requests keep the reference they started with.
 */
export interface PolicySet {
  readonly policies: readonly CompiledPolicy[];
  readonly byName: ReadonlyMap<string, CompiledPolicy>;
  /**
   * Selection index built at compile time so that 1000 policies do not cost 100× ten: returns, in
   * policy order, only the policies that can possibly apply to a pod in `namespace`
   * (those without a namespaces constraint, plus those whose names/globs admit it). With
   * `podLabels`, policies whose `match.podSelector.matchLabels` the pod cannot satisfy are left out too.
   */
  readonly candidates: (namespace: string, podLabels?: Labels) => readonly CompiledPolicy[];
  /** A digest of the set's source, for logs and /readyz. */
  readonly revision: string;
}

/** What the request says about the admission, as much as the engine needs (and CEL's `request`). */
export interface RequestInfo {
  readonly uid?: string;
  readonly operation?: string;
  readonly dryRun?: boolean;
  readonly userInfo?: unknown;
  readonly [key: string]: unknown;
}

export interface NamespaceInfo {
  readonly name: string;
  /** Labels from the namespace cache; undefined when they are not known (no cache, not synced, not found). */
  readonly labels?: Labels;
  /** The Namespace object for CEL's namespaceObject, when known. */
  readonly object?: unknown;
  /**
   * When `labels` is undefined: why they are not known (the labels file that lacks the namespace,
   * an informer that has not synced). It ends up in the skip detail and a denial message.
   */
  readonly unknownWhy?: string;
}

export interface MutationInput {
  /** The pod exactly as received: never re-serialized, never mutated. */
  readonly pod: Readonly<Pod>;
  /** The pod's namespace (request.namespace; a pod's metadata.namespace may be empty). */
  readonly namespace: NamespaceInfo;
  readonly policies: PolicySet;
  /** The admission request (webhook) or a synthetic one (CLI). */
  readonly request?: RequestInfo;
  /**
   * A decision for every policy of the set, also those the candidates index rules out (no_match,
   * naming the match.namespaces or match.podSelector that did). For the CLI, which explains; the
   * webhook leaves it off: the index is there so that a pod pays only for policies it can match.
   */
  readonly allDecisions?: boolean;
}

export const Outcome = { Inject: 'inject', Skip: 'skip', Deny: 'deny', Audit: 'audit', Present: 'present' } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** What the engine decided for one policy. */
export interface Decision {
  readonly policy: string;
  readonly outcome: Outcome;
  /** Present for skip, deny, audit and present (already injected). */
  readonly reason?: Reason;
  /** A sentence for people: what happened and what to change. */
  readonly detail?: string;
}

export interface Denial {
  readonly policy: string;
  readonly reason: Reason;
  /** Names the policy and what to change (the annotation, the container name…). */
  readonly message: string;
}

export interface MutationResult {
  /** RFC 6902 ops from the original pod to `mutated`; empty when nothing changes or on denial. */
  readonly patch: readonly Operation[];
  /**
   * The pod after the patch (the original object when nothing changes). When the pod changes it is
   * built on first read: it copies the pod's annotations, which the patch never needs.
   */
  readonly mutated: Pod;
  /** Names of the policies applied by this call, in policy order. */
  readonly injected: readonly string[];
  readonly decisions: readonly Decision[];
  /** Short lines for the AdmissionResponse (skips the user can fix, Audit results). */
  readonly warnings: readonly string[];
  readonly denial?: Denial;
}
