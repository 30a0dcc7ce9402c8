/**
 * Label selectors and namespace patterns, compiled once at load time into the closures and sets the
 * engine evaluates (engine/match.ts). Selectors follow metav1.LabelSelector: an empty selector
 * matches everything; matchLabels and matchExpressions are ANDed; NotIn and DoesNotExist hold when
 * the key is absent.
 */
import type { LabelMatcher, Labels } from '../engine/types.js';
import { labelValueProblem, qualifiedNameProblem } from '../kube/names.js';
import type { LabelSelector } from './schema.js';

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
