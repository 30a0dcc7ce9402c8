/**
 * The status the webhook writes on an InjectionPolicy object, from what policy/objects.ts made of
 * it: whether the object's generation is in force, which generation and digest serve pods, and its
 * problems as `validate` prints them (`field.path: message`). One `Ready` condition carries the
 * summary, for `kubectl get` and `kubectl wait --for=condition=Ready`.
 */
import type { ObjectOutcome } from './objects.js';

export type ReadyReason = 'InForce' | 'PreviousGenerationInForce' | 'Invalid';

export interface ReadyCondition {
  readonly type: 'Ready';
  readonly status: 'True' | 'False';
  readonly reason: ReadyReason;
  readonly message: string;
  readonly observedGeneration: number;
  readonly lastTransitionTime: string;
}

/** The status subresource's content. */
export interface PolicyObjectStatus {
  readonly observedGeneration: number;
  /** The generation serving pods; absent when none does. */
  readonly inForceGeneration?: number;
  /** That generation's policy digest (sha256 of its checked document). */
  readonly digest?: string;
  readonly problems: readonly string[];
  readonly conditions: readonly ReadyCondition[];
}

function ready(o: ObjectOutcome): Omit<ReadyCondition, 'lastTransitionTime' | 'type' | 'observedGeneration'> {
  const count = `${String(o.problems.length)} problem${o.problems.length === 1 ? '' : 's'}`;
  if (o.problems.length === 0) return { status: 'True', reason: 'InForce', message: 'in force as written' };
  if (o.inForce !== undefined)
    return {
      status: 'False',
      reason: 'PreviousGenerationInForce',
      message: `generation ${String(o.generation)} is invalid (${count}); generation ${String(o.inForce.generation)} stays in force`,
    };
  return { status: 'False', reason: 'Invalid', message: `invalid (${count}); not in force` };
}

/**
 * The status for `outcome`, or undefined when `current` (the object's status now) already says it.
 * The condition's lastTransitionTime moves to `now` only when its status changes.
 */
export function desiredStatus(outcome: ObjectOutcome, current: unknown, now: string): PolicyObjectStatus | undefined {
  const before = (current ?? {}) as Partial<PolicyObjectStatus>;
  const previous = before.conditions?.find((c) => (c.type as string) === 'Ready');
  const r = ready(outcome);
  const condition: ReadyCondition = {
    type: 'Ready',
    ...r,
    observedGeneration: outcome.generation,
    lastTransitionTime: previous?.status === r.status ? previous.lastTransitionTime : now,
  };
  const status: PolicyObjectStatus = {
    observedGeneration: outcome.generation,
    ...(outcome.inForce && { inForceGeneration: outcome.inForce.generation, digest: outcome.inForce.digest }),
    problems: outcome.problems,
    conditions: [condition],
  };
  return JSON.stringify(status) === JSON.stringify(normalised(before)) ? undefined : status;
}

/** `current` with its keys in the order desiredStatus writes them, for the comparison. */
function normalised(s: Partial<PolicyObjectStatus>): Record<string, unknown> {
  return {
    observedGeneration: s.observedGeneration,
    ...(s.inForceGeneration !== undefined && { inForceGeneration: s.inForceGeneration }),
    ...(s.digest !== undefined && { digest: s.digest }),
    problems: s.problems ?? [],
    conditions: (s.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      observedGeneration: c.observedGeneration,
      lastTransitionTime: c.lastTransitionTime,
    })),
  };
}

/**
 * A JSON merge patch of the status subresource from `current` to `next`: keys that `next` drops
 * are set to null, so a generation that stops being in force loses its digest.
 */
export function statusPatch(current: unknown, next: PolicyObjectStatus): { status: Record<string, unknown> } {
  const patch: Record<string, unknown> = { ...next };
  for (const key of Object.keys(current ?? {})) if (!(key in patch)) patch[key] = null;
  return { status: patch };
}
