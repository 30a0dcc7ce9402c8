/**
 * `match` and `exclude` blocks, evaluated: label selectors, namespace names and globs, and CEL
 * conditions, all compiled at load time by policy/ (selectors.ts, compile.ts) into the closures and
 * sets of CompiledMatch. The engine only runs them.
 */
import { Reason } from './reasons.js';
import type { CelBudget } from './cel-budget.js';
import type { CelVariables, CompiledCondition, CompiledMatch, Labels } from './types.js';

/** What the engine knows about the pod for one match/exclude check. */
export interface MatchContext {
  readonly namespace: string;
  /** Undefined when the namespace's labels are not known. */
  readonly namespaceLabels: Labels | undefined;
  /** Why they are not known, when the source says. */
  readonly namespaceUnknownWhy?: string | undefined;
  readonly podLabels: Labels;
  /** Built on first use: most pods never reach a CEL condition. */
  readonly celVariables: () => CelVariables;
  /** What every condition of this admission may spend together (cel-budget.ts). */
  readonly celBudget: CelBudget;
}

/** The result of a match or exclude check that did not let the policy through. */
export interface Miss {
  readonly reason: Reason;
  readonly detail: string;
}

export function namespaceIn(ns: { exact: ReadonlySet<string>; globs: readonly RegExp[] }, name: string): boolean {
  return ns.exact.has(name) || ns.globs.some((g) => g.test(name));
}

function firstLine(text: string, max = 120): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function unknownDetail(ctx: MatchContext): string {
  const why = ctx.namespaceUnknownWhy;
  return `labels of namespace ${ctx.namespace} are not known${why === undefined ? '' : `: ${why}`}`;
}

/** Evaluates conditions in order: 'true' when all hold, else the first false or failing one. */
function conditions(list: readonly CompiledCondition[], ctx: MatchContext, where: string): true | Miss {
  const vars = ctx.celVariables();
  for (const c of list) {
    let value: unknown;
    try {
      value = c.evaluate(vars, ctx.celBudget);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      return { reason: Reason.ConditionError, detail: `${where} condition "${c.name}" failed: ${firstLine(msg)}` };
    }
    if (typeof value !== 'boolean')
      return {
        reason: Reason.ConditionError,
        detail: `${where} condition "${c.name}" returned ${typeof value}, not a bool`,
      };
    if (!value) return { reason: Reason.ConditionFalse, detail: `${where} condition "${c.name}" is false` };
  }
  return true;
}

/** A `match` block: every given part must hold. Cheap parts first, CEL last. */
export function checkMatch(m: CompiledMatch, ctx: MatchContext): Miss | undefined {
  if (m.namespaces && !namespaceIn(m.namespaces, ctx.namespace))
    return { reason: Reason.NoMatch, detail: `namespace ${ctx.namespace} is not in match.namespaces` };
  if (m.podSelector && !m.podSelector(ctx.podLabels))
    return { reason: Reason.NoMatch, detail: 'pod labels do not match match.podSelector' };
  if (m.namespaceSelector) {
    if (ctx.namespaceLabels === undefined) return { reason: Reason.NamespaceUnknown, detail: unknownDetail(ctx) };
    if (!m.namespaceSelector(ctx.namespaceLabels))
      return {
        reason: Reason.NoMatch,
        detail: `namespace ${ctx.namespace} labels do not match match.namespaceSelector`,
      };
  }
  if (m.conditions && m.conditions.length > 0) {
    const r = conditions(m.conditions, ctx, 'match');
    if (r !== true) return r;
  }
  return undefined;
}

/**
 * An `exclude` block: any given part that holds excludes the pod. The `conditions` part holds
 * when all its conditions are true (the same meaning as in `match`). When the namespace's labels
 * are unknown and the block has a namespaceSelector, the engine cannot decide: namespace_labels_unknown.
 */
export function checkExclude(m: CompiledMatch, ctx: MatchContext): Miss | undefined {
  if (m.namespaces && namespaceIn(m.namespaces, ctx.namespace))
    return { reason: Reason.Excluded, detail: `namespace ${ctx.namespace} is in exclude.namespaces` };
  if (m.podSelector?.(ctx.podLabels))
    return { reason: Reason.Excluded, detail: 'pod labels match exclude.podSelector' };
  if (m.namespaceSelector) {
    if (ctx.namespaceLabels === undefined) return { reason: Reason.NamespaceUnknown, detail: unknownDetail(ctx) };
    if (m.namespaceSelector(ctx.namespaceLabels))
      return { reason: Reason.Excluded, detail: `namespace ${ctx.namespace} labels match exclude.namespaceSelector` };
  }
  if (m.conditions && m.conditions.length > 0) {
    const r = conditions(m.conditions, ctx, 'exclude');
    if (r === true) return { reason: Reason.Excluded, detail: 'all exclude.conditions hold' };
    if (r.reason === Reason.ConditionError) return r;
  }
  return undefined;
}
