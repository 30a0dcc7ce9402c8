/**
 * `match` and `exclude` blocks: label selectors with Kubernetes semantics (metav1.LabelSelector),
 * namespace names and globs, and CEL conditions. Selectors and globs are compiled here once (pure
 * functions of the policy); CEL is compiled by policy/compile.ts, which owns the CEL library.
 */
import type { LabelSelector } from '../policy/schema.js';
import { Reason } from './reasons.js';
import type { CelBudget } from './cel-budget.js';
import type { CelVariables, CompiledCondition, CompiledMatch, LabelMatcher, Labels } from './types.js';

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a Kubernetes qualified name (label or annotation key), or undefined when it is. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)))
    return `${JSON.stringify(key)}: the prefix before "/" must be a DNS-1123 subdomain (lowercase, at most 253 characters)`;
  if (name.length === 0 || name.length > 63 || !NAME_PART.test(name))
    return `${JSON.stringify(key)} is not a qualified name (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, with an optional DNS prefix and '/')`;
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '' || (value.length <= 63 && NAME_PART.test(value))) return undefined;
  return `${JSON.stringify(value)} is not a valid label value (empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`;
}

/** A problem in a selector, with its path relative to the selector. */
export interface SelectorProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const has = (labels: Labels, key: string): boolean => Object.hasOwn(labels, key);

/**
 * Compiles a label selector. An empty selector matches everything (as in Kubernetes); matchLabels
 * and matchExpressions are ANDed. NotIn and DoesNotExist hold when the key is absent.
 */
export function compileSelector(selector: LabelSelector): { matcher: LabelMatcher; problems: SelectorProblem[] } {
  const problems: SelectorProblem[] = [];
  const tests: LabelMatcher[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const kp = qualifiedNameProblem(key);
    if (kp) problems.push({ path: ['matchLabels', key], message: `label key ${kp}` });
    const vp = labelValueProblem(value);
    if (vp) problems.push({ path: ['matchLabels', key], message: vp });
    tests.push((labels) => has(labels, key) && labels[key] === value);
  }
  (selector.matchExpressions ?? []).forEach((req, i) => {
    const at = ['matchExpressions', i];
    const kp = qualifiedNameProblem(req.key);
    if (kp) problems.push({ path: [...at, 'key'], message: `label key ${kp}` });
    const values = req.values ?? [];
    const needsValues = req.operator === 'In' || req.operator === 'NotIn';
    if (needsValues && values.length === 0)
      problems.push({ path: [...at, 'values'], message: `operator ${req.operator} needs a non-empty values list` });
    if (!needsValues && values.length > 0)
      problems.push({ path: [...at, 'values'], message: `operator ${req.operator} takes no values` });
    values.forEach((v, j) => {
      const vp = labelValueProblem(v);
      if (vp) problems.push({ path: [...at, 'values', j], message: vp });
    });
    const set = new Set(values);
    const key = req.key;
    switch (req.operator) {
      case 'In':
        tests.push((labels) => has(labels, key) && set.has(labels[key] ?? ''));
        break;
      case 'NotIn':
        tests.push((labels) => !has(labels, key) || !set.has(labels[key] ?? ''));
        break;
      case 'Exists':
        tests.push((labels) => has(labels, key));
        break;
      case 'DoesNotExist':
        tests.push((labels) => !has(labels, key));
        break;
    }
  });
  return { matcher: (labels) => tests.every((t) => t(labels)), problems };
}

const NAMESPACE_GLOB = /^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/;

/** Compiles `namespaces` (names and `*` globs). A glob is anchored: `team-*` does not match `my-team-a`. */
export function compileNamespaces(patterns: readonly string[]): {
  namespaces: { exact: ReadonlySet<string>; globs: readonly RegExp[] };
  problems: SelectorProblem[];
} {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  const problems: SelectorProblem[] = [];
  patterns.forEach((p, i) => {
    if (p.length > 63 || !NAMESPACE_GLOB.test(p)) {
      problems.push({
        path: [i],
        message: `${JSON.stringify(p)} is neither a namespace name nor a * glob (lowercase letters, digits, '-', '*')`,
      });
    } else if (p.includes('*')) {
      globs.push(new RegExp(`^${p.split('*').join('[-a-z0-9]*')}$`));
    } else exact.add(p);
  });
  return { namespaces: { exact, globs }, problems };
}

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
