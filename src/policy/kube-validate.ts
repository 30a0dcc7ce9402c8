/**
 * Checks a policy's Kubernetes sub-objects (spec.initContainers[] as Container, spec.volumes[] as
 * Volume, spec.volumeMounts.mounts[] as VolumeMount) the way the API server would, at load time,
 * so that a bad container fails `init-injector validate` instead of every pod admission (pure).
 *
 * Field names and types come from the API model that @kubernetes/client-node ships (each model
 * class lists its JSON fields in a static attribute type map), so the check follows the Kubernetes
 * version of the installed client with no hand-written copy. On top of that shape check come the
 * semantic rules the API server applies (names, image, quantities, one volume source…).
 */
// The generated models only: the package root also loads the HTTP client, informers and their
// dependencies, which would triple the start-up cost of every CLI command for nothing here.
import * as k8s from '@kubernetes/client-node/dist/gen/models/all.js';
import { type PathIssue, placeholderIssues } from './placeholders.js';
import { isQuantity, isResourceName, kubeSemanticIssues } from './kube-rules.js';
import { DNS1123_LABEL } from './schema.js';
import { didYouMean } from './suggest.js';
import { isRecord } from '../engine/equal.js';

/** A problem at a field path, relative to the document root. */
export type { PathIssue };

interface Attribute {
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}

/** Fields holding Kubernetes quantities (`resource.Quantity`): a string like 100m or 1Gi, or a number. */
export const QUANTITY_FIELDS: ReadonlySet<string> = new Set([
  'V1EmptyDirVolumeSource.sizeLimit',
  'V1ResourceFieldSelector.divisor',
]);
/** Maps whose values are quantities (resource name -> quantity). */
export const QUANTITY_MAPS: ReadonlySet<string> = new Set([
  'V1ResourceRequirements.limits',
  'V1ResourceRequirements.requests',
  'V1VolumeResourceRequirements.limits',
  'V1VolumeResourceRequirements.requests',
]);

const modelCache = new Map<string, ReadonlyMap<string, Attribute> | undefined>();

/** The JSON fields of a client-node model class such as V1Container, or undefined when unknown. */
export function modelFields(typeName: string): ReadonlyMap<string, Attribute> | undefined {
  if (modelCache.has(typeName)) return modelCache.get(typeName);
  const candidate: unknown = (k8s as Record<string, unknown>)[typeName];
  let fields: Map<string, Attribute> | undefined;
  if (
    typeof candidate === 'function' &&
    'getAttributeTypeMap' in candidate &&
    typeof candidate.getAttributeTypeMap === 'function'
  ) {
    const list: unknown = (candidate.getAttributeTypeMap as () => unknown)();
    if (Array.isArray(list)) {
      fields = new Map();
      for (const entry of list as Attribute[]) fields.set(entry.baseName, entry);
    }
  }
  modelCache.set(typeName, fields);
  return fields;
}

/** "V1Container" -> "Container", for messages. */
export function kindName(typeName: string): string {
  return typeName.replace(/^V\d+(?:alpha\d+|beta\d+)?/, '');
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'an object';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Type-checks `value` against a client-node type string; recurses into models, lists and maps. */
export function checkAgainstModel(
  value: unknown,
  type: string,
  path: readonly PropertyKey[],
  issues: PathIssue[],
  field = '',
  quantityParams: ReadonlySet<string> = NO_PARAMS,
): void {
  if (value === null || value === undefined) return; // null means "not set" in Kubernetes JSON
  const fail = (expected: string, hint = ''): void => {
    issues.push({ path, message: `expected ${expected}, got ${describe(value)}${hint}` });
  };
  if (QUANTITY_FIELDS.has(field)) {
    checkQuantity(value, path, issues, quantityParams);
    return;
  }
  const list = /^Array<(.+)>$/.exec(type);
  if (list) {
    if (!Array.isArray(value))
      fail(`a list of ${list[1] === 'string' ? 'strings' : `${kindName(list[1] ?? '')} objects`}`);
    else
      for (const [i, item] of value.entries())
        checkAgainstModel(item, list[1] ?? 'any', [...path, i], issues, '', quantityParams);
    return;
  }
  switch (type) {
    case 'any':
      return;
    case 'string':
    case 'Date':
      if (typeof value !== 'string')
        fail(
          'a string',
          typeof value === 'number' || typeof value === 'boolean' ? ` (quote it: "${String(value)}")` : '',
        );
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail('true or false');
      return;
    case 'number':
      if (typeof value !== 'number') fail('a number');
      return;
    case 'IntOrString':
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value)))
        fail('an integer or a string');
      return;
    case '{ [key: string]: string; }':
      checkStringMap(value, path, issues, QUANTITY_MAPS.has(field), quantityParams);
      return;
  }
  const fields = modelFields(type);
  if (fields === undefined) return; // a type this client does not describe: nothing to check against
  if (!isRecord(value)) {
    fail(`a ${kindName(type)} object`);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const attribute = fields.get(key);
    if (attribute === undefined) {
      issues.push({
        path: [...path, key],
        message: `unknown field "${key}" in a Kubernetes ${kindName(type)}${didYouMean(key, fields.keys())}`,
      });
      continue;
    }
    const before = issues.length;
    checkAgainstModel(item, attribute.type, [...path, key], issues, `${type}.${key}`, quantityParams);
    if (
      issues.length === before &&
      attribute.type === 'number' &&
      attribute.format.startsWith('int') &&
      typeof item === 'number' &&
      !Number.isInteger(item)
    ) {
      issues.push({ path: [...path, key], message: `expected an integer, got ${String(item)}` });
    }
  }
}

function checkStringMap(
  value: unknown,
  path: readonly PropertyKey[],
  issues: PathIssue[],
  quantities: boolean,
  quantityParams: ReadonlySet<string>,
): void {
  if (!isRecord(value)) {
    issues.push({
      path,
      message: `expected a map of ${quantities ? 'resource names to quantities' : 'strings'}, got ${describe(value)}`,
    });
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (quantities) {
      if (!isResourceName(key)) {
        issues.push({
          path: [...path, key],
          message: `unknown resource "${key}"${didYouMean(key, ['cpu', 'memory', 'ephemeral-storage'])}: expected cpu, memory, ephemeral-storage, hugepages-<size> or a domain-prefixed extended resource (example.com/gpu)`,
        });
      }
      checkQuantity(item, [...path, key], issues, quantityParams);
    } else if (typeof item !== 'string' && item !== null) {
      issues.push({ path: [...path, key], message: `expected a string, got ${describe(item)}` });
    }
  }
}

const NO_PARAMS: ReadonlySet<string> = new Set();
/** A whole value that is one `{{ params.NAME }}` placeholder; group 1 is NAME. */
const WHOLE_PARAM = /^\{\{\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

/**
 * A quantity, or exactly one placeholder of a Quantity parameter: its value is checked as a quantity
 * (and against the parameter's bounds) for each pod, before it is rendered.
 */
function checkQuantity(
  value: unknown,
  path: readonly PropertyKey[],
  issues: PathIssue[],
  quantityParams: ReadonlySet<string>,
): void {
  if (value === null || value === undefined) return;
  const param = typeof value === 'string' ? WHOLE_PARAM.exec(value)?.[1] : undefined;
  if (param !== undefined && quantityParams.has(param)) return;
  if (typeof value === 'number' ? Number.isFinite(value) && value >= 0 : typeof value === 'string' && isQuantity(value))
    return;
  issues.push({
    path,
    message: `${typeof value === 'string' ? JSON.stringify(value) : describe(value)} is not a valid Kubernetes quantity: expected a non-negative number with an optional suffix (100m, 0.5, 128Mi, 1Gi, 2G, 1e3), or a {{ params.NAME }} placeholder of a parameter of type Quantity`,
  });
}

/** Declared parameter names of a raw policy document (whatever parses as a name), of one type if given. */
function declaredParameters(spec: Record<string, unknown>, type?: string): Set<string> {
  const names = new Set<string>();
  const parameters = spec['parameters'];
  if (Array.isArray(parameters)) {
    for (const p of parameters)
      if (isRecord(p) && typeof p['name'] === 'string' && (type === undefined || p['type'] === type))
        names.add(p['name']);
  }
  return names;
}

/**
 * Every problem in the Kubernetes sub-objects of a raw (not yet schema-validated) policy document,
 * with paths from the document root. Parts that are not lists of objects are left to the schema.
 */
export function validateKubeObjects(doc: unknown): PathIssue[] {
  if (!isRecord(doc) || !isRecord(doc['spec'])) return [];
  const spec = doc['spec'];
  const issues: PathIssue[] = [];
  const parameters = declaredParameters(spec);
  const quantityParams = declaredParameters(spec, 'Quantity');
  const lists: { path: PropertyKey[]; value: unknown; type: string }[] = [
    { path: ['spec', 'initContainers'], value: spec['initContainers'], type: 'V1Container' },
    { path: ['spec', 'volumes'], value: spec['volumes'], type: 'V1Volume' },
  ];
  const mounts = spec['volumeMounts'];
  if (isRecord(mounts)) {
    lists.push({ path: ['spec', 'volumeMounts', 'mounts'], value: mounts['mounts'], type: 'V1VolumeMount' });
    issues.push(...targetContainerIssues(mounts['containers']));
  }
  for (const { path, value, type } of lists) {
    if (!Array.isArray(value)) continue;
    for (const [i, item] of value.entries()) {
      if (!isRecord(item)) continue;
      const at = [...path, i];
      checkAgainstModel(item, type, at, issues, '', quantityParams);
      issues.push(...kubeSemanticIssues(item, type, at));
      issues.push(...placeholderIssues(item, at, parameters));
    }
    issues.push(...duplicateNames(value, path, kindName(type).toLowerCase()));
  }
  return issues;
}

/** volumeMounts.containers names app containers: a name that is not a DNS-1123 label can never match one. */
function targetContainerIssues(containers: unknown): PathIssue[] {
  if (!Array.isArray(containers)) return [];
  return containers.flatMap((name, i): PathIssue[] =>
    typeof name === 'string' && name !== '*' && name !== '' && (name.length > 63 || !DNS1123_LABEL.test(name))
      ? [
          {
            path: ['spec', 'volumeMounts', 'containers', i],
            message: `${JSON.stringify(name)} can never match a container: container names are DNS-1123 labels (lowercase letters, digits and '-'); use "*" for every app container`,
          },
        ]
      : [],
  );
}

/** Kubernetes rejects two containers (or volumes) of one pod with the same name, and two mounts on one path. */
function duplicateNames(items: readonly unknown[], path: readonly PropertyKey[], what: string): PathIssue[] {
  const key = what === 'volumemount' ? 'mountPath' : 'name';
  const first = new Map<string, number>();
  const issues: PathIssue[] = [];
  for (const [i, item] of items.entries()) {
    if (!isRecord(item)) continue;
    const value = item[key];
    if (typeof value !== 'string') continue;
    const seen = first.get(value);
    if (seen === undefined) first.set(value, i);
    else
      issues.push({
        path: [...path, i, key],
        message: `duplicate ${key === 'name' ? `${what} name` : 'mountPath'} "${value}" (also used by ${String(path.at(-1))}[${seen}])`,
      });
  }
  return issues;
}
