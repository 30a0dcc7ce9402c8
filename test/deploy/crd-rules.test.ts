// The CEL rules (x-kubernetes-validations) of the generated InjectionPolicy CRD, evaluated on our
// own examples with cel-js: the API server runs them on `kubectl apply`, so a rule that refuses a
// good policy (or lets a bad one through) would only show on a cluster otherwise.
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Environment } from '@marcbachmann/cel-js';
import { load } from 'js-yaml';

type Json = Record<string, unknown>;
interface Rule {
  readonly rule: string;
  readonly message: string;
}

const CRD = join(import.meta.dirname, '..', '..', 'deploy', 'crds', 'injectionpolicies.init-injector.io.yaml');

/** Every rule of the schema, by the path of the node that carries it (`spec.anchor`). */
function rulesByPath(): Map<string, Rule[]> {
  const crd = load(readFileSync(CRD, 'utf8')) as Json;
  const versions = (crd['spec'] as Json)['versions'] as Json[];
  const root = ((versions[0]?.['schema'] as Json)['openAPIV3Schema'] ?? {}) as Json;
  const out = new Map<string, Rule[]>();
  const walk = (node: Json, path: string): void => {
    const rules = node['x-kubernetes-validations'];
    if (Array.isArray(rules)) out.set(path, rules as Rule[]);
    for (const [key, child] of Object.entries((node['properties'] ?? {}) as Record<string, Json>))
      walk(child, path === '' ? key : `${path}.${key}`);
    if (typeof node['items'] === 'object' && node['items'] !== null) walk(node['items'] as Json, `${path}[]`);
  };
  walk(root, '');
  return out;
}

const env = new Environment({ unlistedVariablesAreDyn: true }).registerVariable('self', 'dyn');

/** The messages of the rules at `path` that refuse `self`. */
function refusals(path: string, self: unknown): string[] {
  const rules = rulesByPath().get(path) ?? [];
  ok(rules.length > 0, `no rules at ${path}`);
  return rules.filter((r) => env.evaluate(r.rule, { self }) !== true).map((r) => r.message);
}

describe('deploy: the CRD rules refuse what the webhook refuses', () => {
  it('anchor: exactly one of before and after', () => {
    deepStrictEqual(refusals('spec.anchor', { before: 'mesh-proxy' }), []);
    deepStrictEqual(refusals('spec.anchor', { after: 'mesh-proxy' }), []);
    const both = refusals('spec.anchor', { before: 'a', after: 'b' });
    deepStrictEqual(both, ['set exactly one of anchor.before and anchor.after']);
    equal(refusals('spec.anchor', {}).length, 1);
  });

  it('imagePullSecrets: a map list keyed by name, so a duplicate name is refused', () => {
    const crd = readFileSync(CRD, 'utf8');
    ok(
      /imagePullSecrets:\n(?:\s+[^\n]*\n)*?\s+x-kubernetes-list-type: map\n\s+x-kubernetes-list-map-keys:\n\s+- name/.test(
        crd,
      ),
    );
  });
});
