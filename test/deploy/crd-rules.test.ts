// The CEL rules (x-kubernetes-validations) of the generated InjectionPolicy CRD, evaluated on our
// own examples with cel-js: the API server runs them on `kubectl apply`, so a rule that refuses a
// good policy (or lets a bad one through) would only show on a cluster otherwise.
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Environment } from '@marcbachmann/cel-js';
import { load } from 'js-yaml';
import { compareExact, exactQuantity, type Exact } from '../../src/engine/quantity.js';

type Json = Record<string, unknown>;
interface Rule {
  readonly rule: string;
  readonly message: string;
}

const CRD = join(import.meta.dirname, '..', '..', 'deploy', 'crds', 'injectionpolicies.init-injector.io.yaml');

/** The CRD's openAPIV3Schema. */
function rootSchema(): Json {
  const crd = load(readFileSync(CRD, 'utf8')) as Json;
  const versions = (crd['spec'] as Json)['versions'] as Json[];
  return ((versions[0]?.['schema'] as Json)['openAPIV3Schema'] ?? {}) as Json;
}

/** Every rule of the schema, by the path of the node that carries it (`spec.anchor`). */
function rulesByPath(): Map<string, Rule[]> {
  const root = rootSchema();
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

/**
 * Kubernetes' quantity library (isQuantity, quantity, compareTo) is not part of cel-js: a stand-in
 * over the engine's exact quantities. It accepts the grammar the API server accepts for the values
 * used here; what is tested is the rules' logic (which fields, which order, which guards).
 */
class Quantity {
  readonly value: Exact;
  constructor(value: Exact) {
    this.value = value;
  }
}
const quantityOf = (text: string): Quantity => {
  const q = exactQuantity(text.replace(/^-/, ''));
  if (q === undefined) throw new Error(`quantities: invalid quantity ${text}`);
  return new Quantity(text.startsWith('-') ? { num: -q.num, den: q.den } : q);
};
const env = new Environment({ unlistedVariablesAreDyn: true })
  .registerVariable('self', 'dyn')
  .registerType('Quantity', Quantity)
  .registerFunction('isQuantity(string): bool', (t: string) => exactQuantity(t.replace(/^-/, '')) !== undefined)
  .registerFunction('quantity(string): Quantity', quantityOf)
  .registerFunction('Quantity.compareTo(Quantity): int', (a: Quantity, b: Quantity) =>
    BigInt(compareExact(a.value, b.value)),
  );

/** The messages of the rules at `path` that refuse `self`. */
function refusals(path: string, self: unknown): string[] {
  const rules = rulesByPath().get(path) ?? [];
  ok(rules.length > 0, `no rules at ${path}`);
  return rules.filter((r) => env.evaluate(r.rule, { self }) !== true).map((r) => r.message);
}

describe('deploy: the CRD rules refuse what the webhook refuses', () => {
  it('every rule parses as CEL (an escape such as \\. that CEL refuses would fail the CRD)', () => {
    const all = [...rulesByPath().values()].flat();
    ok(all.length >= 10, `only ${String(all.length)} rules found`);
    for (const { rule } of all) env.parse(rule);
  });

  it('every list a rule runs on per item has maxItems (else the API server estimates an unbounded cost and refuses the CRD)', () => {
    const root = rootSchema();
    for (const path of rulesByPath().keys()) {
      let node: Json = root;
      for (const part of path.split('.')) {
        const list = part.endsWith('[]');
        node = ((node['properties'] ?? {}) as Record<string, Json>)[list ? part.slice(0, -2) : part] ?? {};
        if (list) {
          ok(typeof node['maxItems'] === 'number', `${path}: ${part} has no maxItems`);
          node = (node['items'] ?? {}) as Json;
        }
      }
    }
  });

  it('anchor: exactly one of before and after', () => {
    deepStrictEqual(refusals('spec.anchor', { before: 'mesh-proxy' }), []);
    deepStrictEqual(refusals('spec.anchor', { after: 'mesh-proxy' }), []);
    const both = refusals('spec.anchor', { before: 'a', after: 'b' });
    deepStrictEqual(both, ['set exactly one of anchor.before and anchor.after']);
    equal(refusals('spec.anchor', {}).length, 1);
  });

  it('parameters: pattern and maxLength on String only, bounds on Integer, Duration and Quantity only', () => {
    deepStrictEqual(refusals('spec.parameters[]', { name: 'a', type: 'String', pattern: 'x', maxLength: 3 }), []);
    deepStrictEqual(refusals('spec.parameters[]', { name: 'a', type: 'Integer', pattern: 'x' }), [
      'pattern and maxLength apply to String parameters only',
    ]);
    deepStrictEqual(refusals('spec.parameters[]', { name: 'a', type: 'Boolean', minimum: '1' }), [
      'minimum and maximum apply to Integer, Duration and Quantity parameters only',
    ]);
    deepStrictEqual(refusals('spec.parameters[]', { name: 'a', type: 'Boolean', default: 'yes' }), [
      'the default of a Boolean parameter must be true or false',
    ]);
  });

  const typed: [string, [string, string, string], [string, string, string], string][] = [
    ['Integer', ['-2', '3', '10'], ['5', '11', '2'], 'x'],
    ['Duration', ['1s', '1m30s', '0.5h'], ['2m', '1h', '1m'], '10'],
    ['Quantity', ['64Mi', '0.5Gi', '1Gi'], ['1Gi', '2Gi', '256Mi'], '-1'],
  ];
  for (const [type, [min, def, max], [badMin, badDef, badMax], malformed] of typed) {
    it(`parameters: the ${type} type needs values of its type with minimum <= default <= maximum`, () => {
      const item = (minimum: string, d: string, maximum: string) => ({
        name: 'a',
        type,
        minimum,
        default: d,
        maximum,
      });
      deepStrictEqual(refusals('spec.parameters[]', item(min, def, max)), []);
      deepStrictEqual(refusals('spec.parameters[]', { name: 'a', type, default: def }), []);
      const order = `${type === 'Integer' ? 'an' : 'a'} ${type} parameter must have minimum <= default <= maximum`;
      deepStrictEqual(refusals('spec.parameters[]', item(badMin, def, max)), [order], 'minimum above default');
      deepStrictEqual(refusals('spec.parameters[]', item(min, badDef, max)), [order], 'default out of range');
      deepStrictEqual(refusals('spec.parameters[]', item(min, def, badMax)), [order], 'maximum below default');
      const got = refusals('spec.parameters[]', item(min, malformed, max));
      equal(got.length, 1, got.join('; '));
      ok(/must be (integers|durations|non-negative quantities)/.test(got[0] ?? ''), got[0]);
    });
  }

  it("parameters: a duration needs a digit before its unit, as Go's ParseDuration does", () => {
    for (const bad of ['.s', 's', '1', '1d'])
      equal(refusals('spec.parameters[]', { name: 'a', type: 'Duration', default: bad }).length, 1, bad);
    for (const good of ['.5s', '1.s', '0', '-1h2m', '3μs'])
      deepStrictEqual(refusals('spec.parameters[]', { name: 'a', type: 'Duration', default: good }), [], good);
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
