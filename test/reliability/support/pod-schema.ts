/**
 * Validates a Pod against the Kubernetes OpenAPI v3 schema of the API server the e2e suite runs
 * (fixture extracted by extract-pod-schema.ts from k8s.io/kubernetes api/openapi-spec/v3).
 *
 * Why this and not client-node's attributeTypeMap: the OpenAPI document is what the API server
 * itself publishes and uses (required fields, int32 ranges, IntOrString, list-map keys such as
 * container names), while client-node's models carry only field names and TypeScript types, with
 * no `required`, no formats and no list semantics. Why not the live /openapi/v3 endpoint: the
 * property tests run in the normal mocha run without a control plane; the fixture is the same
 * file the apiserver embeds, pinned to the version in test/e2e/k8s/go.mod.
 *
 * Checked: $ref, allOf, oneOf, type, int32/int64 ranges, required, unknown fields (the API
 * server's strict field validation), additionalProperties, x-kubernetes-list-type map/set
 * uniqueness. JSON null is accepted wherever a value is optional, as the Go decoder does.
 */
import { readFileSync } from 'node:fs';

interface Schema {
  readonly $ref?: string;
  readonly allOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly type?: string;
  readonly format?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: Schema | boolean;
  readonly items?: Schema;
  readonly enum?: readonly unknown[];
  readonly 'x-kubernetes-list-type'?: string;
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
}

interface Fixture {
  readonly source: string;
  readonly root: string;
  readonly schemas: Readonly<Record<string, Schema>>;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/pod-openapi-v3.json', import.meta.url), 'utf8'),
) as Fixture;

/** Where the schema came from (for messages and docs). */
export const POD_SCHEMA_SOURCE = fixture.source;

const REF_PREFIX = '#/components/schemas/';

function resolve(ref: string): Schema {
  const s = fixture.schemas[ref.slice(REF_PREFIX.length)];
  if (s === undefined) throw new Error(`pod schema fixture lacks ${ref}; regenerate it (extract-pod-schema.ts)`);
  return s;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkType(v: unknown, s: Schema, path: string, out: string[]): boolean {
  switch (s.type) {
    case undefined:
      return true;
    case 'string':
      if (typeof v !== 'string')
        out.push(
          `${path}: expected string, got ${(JSON.stringify(v) as string | undefined)?.slice(0, 40) ?? 'undefined'}`,
        );
      return typeof v === 'string';
    case 'boolean':
      if (typeof v !== 'boolean') out.push(`${path}: expected boolean`);
      return typeof v === 'boolean';
    case 'number':
      if (typeof v !== 'number') out.push(`${path}: expected number`);
      return typeof v === 'number';
    case 'integer': {
      const bits = s.format === 'int32' ? 31 : 63;
      const good = typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 2 ** bits;
      if (!good) out.push(`${path}: expected ${s.format ?? 'integer'}, got ${JSON.stringify(v)}`);
      return good;
    }
    case 'array':
      if (!Array.isArray(v)) out.push(`${path}: expected array`);
      return Array.isArray(v);
    case 'object':
      if (!isRecord(v)) out.push(`${path}: expected object`);
      return isRecord(v);
    default:
      out.push(`${path}: schema type ${s.type} not supported by this validator`);
      return false;
  }
}

function checkList(v: readonly unknown[], s: Schema, path: string, out: string[]): void {
  const kind = s['x-kubernetes-list-type'];
  if (kind !== 'map' && kind !== 'set') return;
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  const seen = new Set<string>();
  v.forEach((item, i) => {
    const key =
      kind === 'set'
        ? JSON.stringify(item)
        : JSON.stringify(keys.map((k) => (isRecord(item) ? (item[k] ?? null) : null)));
    if (seen.has(key)) out.push(`${path}[${i}]: duplicate ${kind === 'set' ? 'value' : keys.join('+')} ${key}`);
    seen.add(key);
  });
}

function validate(v: unknown, s: Schema, path: string, out: string[]): void {
  if (s.$ref !== undefined) {
    validate(v, resolve(s.$ref), path, out);
    return;
  }
  for (const sub of s.allOf ?? []) validate(v, sub, path, out);
  if (s.oneOf !== undefined) {
    const passing = s.oneOf.filter((sub) => {
      const errs: string[] = [];
      validate(v, sub, path, errs);
      return errs.length === 0;
    }).length;
    if (passing !== 1) out.push(`${path}: matches ${passing} of the oneOf alternatives, expected exactly 1`);
  }
  if (!checkType(v, s, path, out)) return;
  if (s.enum !== undefined && !s.enum.includes(v))
    out.push(`${path}: ${JSON.stringify(v)} not one of ${JSON.stringify(s.enum)}`);
  if (Array.isArray(v)) {
    if (s.items !== undefined)
      v.forEach((item, i) => {
        validate(item, s.items!, `${path}[${i}]`, out);
      });
    checkList(v, s, path, out);
  }
  if (isRecord(v) && (s.type === 'object' || s.properties !== undefined)) {
    for (const r of s.required ?? []) if (!Object.hasOwn(v, r) || v[r] === null) out.push(`${path}.${r}: required`);
    for (const [k, val] of Object.entries(v)) {
      const p = `${path}.${k}`;
      const prop = s.properties !== undefined && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
      if (val === null) continue;
      if (prop !== undefined) validate(val, prop, p, out);
      else if (isRecord(s.additionalProperties)) validate(val, s.additionalProperties, p, out);
      else if (s.additionalProperties !== true) out.push(`${p}: unknown field`);
    }
  }
}

/** Every violation of the Pod schema, as `path: problem` lines; empty when the pod is valid. */
export function podSchemaErrors(pod: unknown): string[] {
  const out: string[] = [];
  validate(pod, resolve(REF_PREFIX + fixture.root), 'pod', out);
  return out;
}
