/**
 * Selection: whether a policy applies to the pod at all, before parameters and conflicts. Order of
 * checks: pod opt-out (non-required only), OnRequest list, the pod's operating system, `match`,
 * then `exclude`; the first one that fails gives the reason.
 */
import type { PodOs } from './os.js';
import { checkExclude, checkMatch, type MatchContext, type Miss } from './match.js';
import { Reason } from './reasons.js';
import type { CompiledPolicy } from './types.js';

/** What selection needs to know about the pod, computed once per mutate() call. */
export interface SelectionContext extends MatchContext {
  /** The pod has `init-injector.io/inject: "false"`. */
  readonly optedOut: boolean;
  /** Names from `init-injector.io/request`. */
  readonly requested: ReadonlySet<string>;
  /** The pod's operating system (os.ts). */
  readonly os: PodOs;
}

/** Undefined when the policy applies to the pod; else why not. */
export function select(policy: CompiledPolicy, ctx: SelectionContext): Miss | undefined {
  if (ctx.optedOut && !policy.required)
    return { reason: Reason.OptedOut, detail: 'the pod opted out with init-injector.io/inject: "false"' };
  if (policy.mode === 'OnRequest' && !ctx.requested.has(policy.name))
    return { reason: Reason.NotRequested, detail: `the pod does not list ${policy.name} in init-injector.io/request` };
  if (!(policy.operatingSystems as readonly string[]).includes(ctx.os.name))
    return {
      reason: Reason.OsMismatch,
      detail: `the pod runs on ${ctx.os.name} (${ctx.os.from ?? 'default'}); the policy targets ${policy.operatingSystems.join(', ')}`,
    };
  if (policy.match) {
    const miss = checkMatch(policy.match, ctx);
    if (miss) return miss;
  }
  if (policy.exclude) {
    const miss = checkExclude(policy.exclude, ctx);
    if (miss) return miss;
  }
  return undefined;
}
