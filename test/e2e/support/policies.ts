/**
 * What the shipped policies should inject, derived from the policy files by the ordering rule of
 * `priority` and `placement` (docs/policy-reference.md): injected policies by (priority, name); the
 * Prepend ones' init containers, then the pod's own, then the Append ones'. The scenarios compare
 * the pod the API server stored with this, so a change to policies/ needs no change to the tests.
 */
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { readPolicyDir, REPO_ROOT } from '../harness/index.js';

/** The fields of a policy the expectations need. */
export interface PolicyFacts {
  readonly name: string;
  readonly mode: 'Always' | 'OnRequest';
  readonly required: boolean;
  readonly priority: number;
  readonly placement: 'Prepend' | 'Append';
  readonly description: string;
  readonly initContainers: readonly string[];
  readonly hasMatch: boolean;
  /** Parameters without a default: annotation key -> pattern. */
  readonly requiredParameters: Readonly<Record<string, string>>;
}

// Policy documents are read loosely here: the loader's own tests cover validation.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

/** Directory of the shipped policies. */
export const SHIPPED_POLICIES_DIR = path.join(REPO_ROOT, 'policies');

/** Reads every policy document of the files in `dir`. */
export function policyFacts(dir: string): PolicyFacts[] {
  const facts: PolicyFacts[] = [];
  for (const content of Object.values(readPolicyDir(dir))) {
    for (const doc of loadAll(content) as Doc[]) {
      if (doc['kind'] !== 'InjectionPolicy') continue;
      const name = String(doc['metadata'].name);
      const spec = doc['spec'] as Doc;
      const requiredParameters: Record<string, string> = {};
      for (const p of (spec['parameters'] ?? []) as Record<string, string>[]) {
        if (p['default'] === undefined) {
          requiredParameters[p['annotation'] ?? `init-injector.io/${name}.${p['name'] ?? ''}`] = p['pattern'] ?? '';
        }
      }
      facts.push({
        name,
        mode: spec['mode'] ?? 'Always',
        required: spec['required'] ?? false,
        priority: spec['priority'] ?? 100,
        placement: spec['placement'] ?? 'Prepend',
        description: spec['description'] ?? '',
        initContainers: ((spec['initContainers'] ?? []) as { name: string }[]).map((c) => c.name),
        hasMatch: spec['match'] !== undefined || spec['exclude'] !== undefined,
        requiredParameters,
      });
    }
  }
  return facts;
}

/** Policies in injection order: priority ascending, then name. */
export function inPolicyOrder(policies: readonly PolicyFacts[]): PolicyFacts[] {
  return [...policies].sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Expected init container names for `applied` policies around the pod's own init containers. */
export function expectedInitContainers(applied: readonly PolicyFacts[], own: readonly string[] = []): string[] {
  const ordered = inPolicyOrder(applied);
  return [
    ...ordered.filter((p) => p.placement === 'Prepend').flatMap((p) => p.initContainers),
    ...own,
    ...ordered.filter((p) => p.placement === 'Append').flatMap((p) => p.initContainers),
  ];
}

/** Expected value of the init-injector.io/injected annotation. */
export function expectedInjectedAnnotation(applied: readonly PolicyFacts[]): string {
  return inPolicyOrder(applied)
    .map((p) => p.name)
    .join(',');
}

/** Shipped policies every pod gets by default (mode Always, no match/exclude). */
export function alwaysPolicies(policies: readonly PolicyFacts[]): PolicyFacts[] {
  return policies.filter((p) => p.mode === 'Always' && !p.hasMatch);
}

/**
 * Pod annotations that request every OnRequest policy of `policies` with valid parameter values.
 * Values come from `examples` (annotation -> value) and must satisfy the policy's own pattern.
 */
export function requestAnnotations(
  policies: readonly PolicyFacts[],
  examples: Readonly<Record<string, string>>,
): Record<string, string> {
  const annotations: Record<string, string> = {
    'init-injector.io/request': policies
      .filter((p) => p.mode === 'OnRequest')
      .map((p) => p.name)
      .join(','),
  };
  for (const policy of policies) {
    for (const [annotation, pattern] of Object.entries(policy.requiredParameters)) {
      const value = examples[annotation];
      if (value === undefined) throw new Error(`no example value for ${annotation} (policy ${policy.name}): add one`);
      if (!new RegExp(pattern).test(value))
        throw new Error(`example ${annotation}=${value} fails its pattern ${pattern}`);
      annotations[annotation] = value;
    }
  }
  return annotations;
}

/** Example parameter values for the shipped policies' parameters that have no default. */
export const SHIPPED_EXAMPLES: Readonly<Record<string, string>> = {
  'init-injector.io/cert-fetcher.url': 'https://pki.example.com/ca.crt',
  'init-injector.io/wait-for-service.target': 'postgres.db.svc.cluster.local:5432',
  'init-injector.io/notify-start.url': 'https://hooks.example.com/started',
};
