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
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
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
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
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
