/**
 * The InjectionPolicy CustomResourceDefinition, generated from the same draft-07 JSON Schema as
 * schemas/injection-policy.v1alpha1.json (so from the zod schema of src/policy/schema.ts): the
 * schema is made structural as the API server requires — references inlined, `const` as a
 * one-value `enum`, int-or-string fields marked, `additionalProperties: false` and
 * `propertyNames` dropped (the API server prunes or, with strict field validation, refuses unknown
 * fields itself), and the one field that is a string or a list (volumeMounts.containers) kept as
 * preserved JSON that the webhook checks. metadata may only be `type: object` in a CRD; the name
 * rule becomes a CEL rule at the root.
 */
import { dump } from 'js-yaml';

type Json = Record<string, unknown>;

const isIntOrString = (anyOf: unknown): boolean =>
  Array.isArray(anyOf) &&
  anyOf.length === 2 &&
  anyOf.every(
    (b) => typeof b === 'object' && b !== null && ['integer', 'number', 'string'].includes(String((b as Json)['type'])),
  );

function structural(node: unknown, definitions: Json, seen: ReadonlySet<string>): Json {
  if (typeof node !== 'object' || node === null) return {};
  const n = node as Json;
  const ref = n['$ref'];
  if (typeof ref === 'string') {
    const name = ref.replace('#/definitions/', '');
    // A model that contains itself cannot be inlined: keep it as preserved JSON.
    if (seen.has(name)) return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    return structural(definitions[name], definitions, new Set([...seen, name]));
  }
  if (n['anyOf'] !== undefined) {
    if (isIntOrString(n['anyOf'])) return { 'x-kubernetes-int-or-string': true };
    return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (n['type'] === undefined) return { 'x-kubernetes-preserve-unknown-fields': true };
  const out: Json = {};
  for (const [key, value] of Object.entries(n)) {
    switch (key) {
      case '$schema':
      case '$id':
      case 'title':
      case 'propertyNames':
        break;
      case 'const':
        out['enum'] = [value];
        break;
      case 'additionalProperties':
        if (typeof value === 'object' && value !== null) out[key] = structural(value, definitions, seen);
        break;
      case 'properties':
        out[key] = Object.fromEntries(
          Object.entries(value as Json).map(([k, v]) => [k, structural(v, definitions, seen)]),
        );
        break;
      case 'items':
        out[key] = structural(value, definitions, seen);
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

/** The status the webhook writes (src/policy/object-status.ts). */
const STATUS = {
  type: 'object',
  description: 'Written by the webhook replica holding the status Lease: whether this generation is in force.',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', description: 'The generation this status is about.' },
    inForceGeneration: {
      type: 'integer',
      format: 'int64',
      description:
        'The generation serving pods: this one, or an earlier valid one while this one is invalid. Absent: none.',
    },
    digest: { type: 'string', description: 'The digest of the policy in force (sha256 of its checked document).' },
    problems: {
      type: 'array',
      items: { type: 'string' },
      description: 'The problems of this generation, as `validate` prints them (field.path: message).',
    },
    conditions: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: {
        type: 'object',
        required: ['type', 'status'],
        properties: {
          type: { type: 'string', description: 'Ready.' },
          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
          reason: { type: 'string', description: 'InForce, PreviousGenerationInForce or Invalid.' },
          message: { type: 'string' },
          observedGeneration: { type: 'integer', format: 'int64' },
          lastTransitionTime: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
};

/**
 * Per typed parameter type: a CEL test that a string is a value of the type, and CEL for a <= b.
 * Durations are CEL's duration(), which parses Go's syntax; quantities are the Kubernetes quantity
 * library (isQuantity, quantity().compareTo()), in every API server this project supports (1.30+).
 */
const TYPED: Readonly<Record<string, { valid: (x: string) => string; le: (a: string, b: string) => string }>> = {
  Integer: { valid: (x) => `${x}.matches('^[-+]?[0-9]+$')`, le: (a, b) => `int(${a}) <= int(${b})` },
  Duration: {
    valid: (x) => `${x}.matches('^[-+]?(0|(([0-9]+([.][0-9]*)?|[.][0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$')`,
    le: (a, b) => `duration(${a}) <= duration(${b})`,
  },
  Quantity: {
    valid: (x) => `isQuantity(${x}) && !${x}.startsWith('-')`,
    le: (a, b) => `quantity(${a}).compareTo(quantity(${b})) <= 0`,
  },
};

/**
 * The parameter rules the API server can check on \`kubectl apply\` (the webhook's loader checks the
 * same, src/policy/typed-params.ts): which fields each type takes, bounds and default of the type,
 * and minimum <= default <= maximum. Every rule has a bounded cost: no list is walked, and the
 * strings read have a maxLength (64 for bounds, 4096 for a default).
 */
function parameterRules(): Json[] {
  const type = "(has(self.type) ? self.type : 'String')";
  const field = (name: string): string => `self.${name}`;
  const rules: Json[] = [
    {
      rule: `!(has(self.pattern) || has(self.maxLength)) || ${type} == 'String'`,
      message: 'pattern and maxLength apply to String parameters only',
    },
    {
      rule: `!(has(self.minimum) || has(self.maximum)) || ${type} in ['Integer', 'Duration', 'Quantity']`,
      message: 'minimum and maximum apply to Integer, Duration and Quantity parameters only',
    },
    {
      rule: `${type} != 'Boolean' || !has(self.default) || self.default in ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']`,
      message: 'the default of a Boolean parameter must be true or false',
    },
  ];
  for (const [name, { valid, le }] of Object.entries(TYPED)) {
    const fields = ['minimum', 'default', 'maximum'];
    const each = fields.map((f) => `(!has(self.${f}) || ${valid(field(f))})`).join(' && ');
    rules.push({
      rule: `${type} != '${name}' || (${each})`,
      message: `minimum, maximum and default of ${name === 'Integer' ? 'an' : 'a'} ${name} parameter must be ${name === 'Integer' ? 'integers' : name === 'Duration' ? 'durations (30s, 1m30s)' : 'non-negative quantities (250m, 128Mi)'}`,
    });
    const pairs: [string, string][] = [
      ['minimum', 'maximum'],
      ['minimum', 'default'],
      ['default', 'maximum'],
    ];
    const ordered = pairs
      .map(([a, b]) => `(!has(self.${a}) || !has(self.${b}) || ${le(field(a), field(b))})`)
      .join(' && ');
    rules.push({
      rule: `${type} != '${name}' || !(${each}) || (${ordered})`,
      message: `${name === 'Integer' ? 'an' : 'a'} ${name} parameter must have minimum <= default <= maximum`,
    });
  }
  return rules;
}

/** The CRD as YAML, from the draft-07 schema of an InjectionPolicy. */
export function injectionPolicyCrd(schema: Json, note: string): string {
  const definitions = (schema['definitions'] ?? {}) as Json;
  const props = schema['properties'] as Json;
  const spec = structural(props['spec'], definitions, new Set());
  const specProps = spec['properties'] as Json;
  const mounts = (specProps['volumeMounts'] as Json | undefined)?.['properties'] as Json | undefined;
  if (mounts !== undefined)
    mounts['containers'] = {
      description: '"*" for every app container, or a list of container names.',
      'x-kubernetes-preserve-unknown-fields': true,
    };
  // A Secret listed twice is refused by the API server, naming the duplicate entry.
  const secrets = specProps['imagePullSecrets'] as Json | undefined;
  if (secrets !== undefined)
    Object.assign(secrets, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
  // Exactly one side. (That the name is not one of the policy's own init containers is checked by
  // the webhook: a CEL rule walking initContainers has no bounded cost, and the API server refuses
  // a CRD whose estimated rule cost is unbounded.)
  const anchor = specProps['anchor'] as Json | undefined;
  if (anchor !== undefined)
    anchor['x-kubernetes-validations'] = [
      { rule: 'has(self.before) != has(self.after)', message: 'set exactly one of anchor.before and anchor.after' },
    ];
  const parameter = (specProps['parameters'] as Json | undefined)?.['items'] as Json | undefined;
  if (parameter !== undefined) parameter['x-kubernetes-validations'] = parameterRules();
  const nameRule = ((props['metadata'] as Json)['properties'] as Json)['name'] as Json;
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'injectionpolicies.init-injector.io', annotations: { 'init-injector.io/generated': note } },
    spec: {
      group: 'init-injector.io',
      scope: 'Cluster',
      names: {
        kind: 'InjectionPolicy',
        listKind: 'InjectionPolicyList',
        plural: 'injectionpolicies',
        singular: 'injectionpolicy',
        shortNames: ['ipol'],
        categories: ['init-injector'],
      },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Mode', type: 'string', jsonPath: '.spec.mode' },
            { name: 'Priority', type: 'integer', jsonPath: '.spec.priority' },
            { name: 'Action', type: 'string', jsonPath: '.spec.action' },
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
            {
              name: 'Reason',
              type: 'string',
              priority: 1,
              jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
            },
            { name: 'In-Force', type: 'integer', priority: 1, jsonPath: '.status.inForceGeneration' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: schema['description'],
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec,
                status: STATUS,
              },
              'x-kubernetes-validations': [
                {
                  rule: `self.metadata.name.size() <= ${String(nameRule['maxLength'])} && self.metadata.name.matches('${String(nameRule['pattern'])}')`,
                  message:
                    'metadata.name must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)',
                },
              ],
            },
          },
        },
      ],
    },
  };
  return dump(crd, { lineWidth: 120, noRefs: true });
}
