/**
 * Writes the JSON Schemas in schemas/ from the zod schemas (npm run schema:gen), or checks that the
 * checked-in files are up to date (npm run schema:check, in CI): `--check` regenerates in memory and
 * exits 1 naming every stale file.
 *
 * - schemas/injection-policy.v1alpha1.json from src/policy/schema.ts (InjectionPolicySchema)
 * - schemas/policy-test.v1alpha1.json from src/cli/policytest-schema.ts (PolicyTestSchema)
 * - deploy/crds/injectionpolicies.init-injector.io.yaml: the InjectionPolicy CRD, from the same
 *   schema made structural (hack/crd.ts), and the same file in the Helm chart's crds/ directory
 *   (a chart cannot read files outside its own directory)
 *
 * Draft-07, the draft editors' YAML support (yaml-language-server) handles best. The Kubernetes
 * sub-objects (Container, Volume, VolumeMount), which the zod schema leaves to kube-validate.ts,
 * are described field by field from the same client-node API model that kube-validate.ts checks
 * against, so the editor completes and flags exactly what `init-injector validate` does.
 */
import * as k8s from '@kubernetes/client-node/dist/gen/models/all.js';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PolicyTestSchema } from '../src/cli/policytest-schema.js';
import { QUANTITY_FIELDS, QUANTITY_MAPS } from '../src/policy/kube-validate.js';
import { InjectionPolicySchema } from '../src/policy/schema.js';
import { injectionPolicyCrd } from './crd.js';

type Json = Record<string, unknown>;

const ROOT = join(import.meta.dirname, '..');
const BASE = 'https://init-injector.io/schemas';

/** Required fields of the Kubernetes objects a policy holds (the API server's own rules). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  V1Container: ['name', 'image'],
  V1Volume: ['name'],
  V1VolumeMount: ['name', 'mountPath'],
  V1EnvVar: ['name'],
  V1ContainerPort: ['containerPort'],
  V1KeyToPath: ['key', 'path'],
};
const QUANTITY = {
  anyOf: [
    { type: 'string', pattern: '^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[mkMGTPE]|[eE][+-]?[0-9]+)?$' },
    { type: 'number', minimum: 0 },
  ],
};
interface Attribute {
  baseName: string;
  type: string;
  format: string;
}

function attributes(typeName: string): Attribute[] | undefined {
  const model = (k8s as Record<string, unknown>)[typeName] as { getAttributeTypeMap?: () => Attribute[] } | undefined;
  return model?.getAttributeTypeMap?.();
}

/** JSON Schema (draft-07) definitions for a client-node model and every model it reaches. */
function kubeDefinitions(roots: readonly string[]): Json {
  const definitions: Json = {};
  const schemaFor = (type: string, format: string, field: string): Json => {
    if (QUANTITY_FIELDS.has(field)) return QUANTITY;
    const list = /^Array<(.+)>$/.exec(type);
    if (list) return { type: 'array', items: schemaFor(list[1] ?? 'any', '', '') };
    switch (type) {
      case 'string':
        return { type: 'string' };
      case 'Date':
        return { type: 'string', format: 'date-time' };
      case 'boolean':
        return { type: 'boolean' };
      case 'number':
        return { type: format.startsWith('int') ? 'integer' : 'number' };
      case 'IntOrString':
        return { anyOf: [{ type: 'integer' }, { type: 'string' }] };
      case 'any':
        return {};
      case '{ [key: string]: string; }':
        return { type: 'object', additionalProperties: QUANTITY_MAPS.has(field) ? QUANTITY : { type: 'string' } };
    }
    define(type);
    return definitions[type] === undefined ? {} : { $ref: `#/definitions/${type}` };
  };
  const define = (type: string): void => {
    if (type in definitions) return;
    const fields = attributes(type);
    if (fields === undefined) return;
    definitions[type] = {}; // placeholder: models refer to themselves (JSONSchemaProps-like cycles)
    const properties: Json = {};
    for (const f of [...fields].sort((a, b) => a.baseName.localeCompare(b.baseName)))
      properties[f.baseName] = schemaFor(f.type, f.format, `${type}.${f.baseName}`);
    definitions[type] = {
      type: 'object',
      title: type.replace(/^V\d+(?:alpha\d+|beta\d+)?/, ''),
      properties,
      ...(REQUIRED[type] ? { required: REQUIRED[type] } : {}),
      additionalProperties: false,
    };
  };
  for (const root of roots) define(root);
  return Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)));
}

/** Replaces the free-form Kubernetes objects of the zod output with references to the model. */
function withKubeRefs(schema: Json): Json {
  const spec = (schema['properties'] as Json)['spec'] as { properties: Record<string, Json> };
  const props = spec.properties;
  const ref = (type: string): Json => ({ $ref: `#/definitions/${type}` });
  (props['initContainers'] as Json)['items'] = ref('V1Container');
  (props['volumes'] as Json)['items'] = ref('V1Volume');
  ((props['volumeMounts'] as { properties: Record<string, Json> }).properties['mounts'] as Json)['items'] =
    ref('V1VolumeMount');
  return { ...schema, definitions: kubeDefinitions(['V1Container', 'V1Volume', 'V1VolumeMount']) };
}

function document(id: string, title: string, description: string, body: Json): string {
  const { $schema, ...rest } = body;
  return `${JSON.stringify({ $schema, $id: `${BASE}/${id}`, title, description, ...rest }, null, 2)}\n`;
}

/** Every generated file: path relative to the repository, and its exact text. */
export function generate(): { path: string; text: string }[] {
  const options = { target: 'draft-7', io: 'input' } as const;
  const policy = withKubeRefs(z.toJSONSchema(InjectionPolicySchema, options));
  const crd = injectionPolicyCrd(
    {
      ...policy,
      description: 'Init containers (with their volumes and mounts) that init-injector adds to matching Pods.',
    },
    'from src/policy/schema.ts by hack/gen-schema.ts (npm run schema:gen); do not edit',
  );
  return [
    { path: 'deploy/crds/injectionpolicies.init-injector.io.yaml', text: crd },
    { path: 'deploy/helm/init-injector/crds/injectionpolicies.init-injector.io.yaml', text: crd },
    {
      path: 'schemas/injection-policy.v1alpha1.json',
      text: document(
        'injection-policy.v1alpha1.json',
        'InjectionPolicy (init-injector.io/v1alpha1)',
        'Init containers (with their volumes and mounts) that init-injector adds to matching Pods. Generated from src/policy/schema.ts by hack/gen-schema.ts; do not edit.',
        policy,
      ),
    },
    {
      path: 'schemas/policy-test.v1alpha1.json',
      text: document(
        'policy-test.v1alpha1.json',
        'PolicyTest (init-injector.io/v1alpha1)',
        'Test cases run by `init-injector test`. Generated from src/cli/policytest-schema.ts by hack/gen-schema.ts; do not edit.',
        z.toJSONSchema(PolicyTestSchema, options),
      ),
    },
  ];
}

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes('--check');
  const stale: string[] = [];
  for (const { path, text } of generate()) {
    const target = join(ROOT, path);
    if (!check) {
      await writeFile(target, text);
      process.stdout.write(`wrote ${path}\n`);
      continue;
    }
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current !== text) stale.push(current === undefined ? `${path} (missing)` : path);
  }
  if (stale.length > 0) {
    process.stderr.write(
      `schema:check: out of date with the zod schemas: ${stale.join(', ')}\n  run \`npm run schema:gen\` and commit the result\n`,
    );
    return 1;
  }
  if (check) process.stdout.write('schema:check: schemas/ is up to date\n');
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
