/**
 * Templates: `{{ params.NAME }}` and `{{ pod.FIELD }}` in the string fields of a policy's init
 * containers, volumes and mounts. They are compiled once at load time into renderers; rendering is
 * one pass that inserts each value as literal text. A value is never parsed (as YAML, JSON or a
 * template) and never re-scanned, so `{{ params.x }}` inside a value stays literal, and a value can
 * change nothing but the one string it lands in (docs/reliability.md §3, "Template and parameter
 * safety").
 */
import type { Container, Volume, VolumeMount } from '../kube/wire.js';
import type { RenderedParts, TemplateValues } from '../engine/types.js';

/** `{{ root.name }}` with optional spaces; `{{ .Values.x }}` and other shapes stay literal text. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The pod fields a template may use. */
export const POD_FIELDS = ['name', 'generateName', 'namespace', 'serviceAccountName'] as const;
type PodField = (typeof POD_FIELDS)[number];

type Part = string | { readonly param: string } | { readonly pod: PodField };
type Renderer = (values: TemplateValues) => unknown;

/** A placeholder that names nothing: reported by the compiler with its field path. */
export interface TemplateProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const isPodField = (name: string): name is PodField => (POD_FIELDS as readonly string[]).includes(name);

function compileString(
  text: string,
  path: readonly PropertyKey[],
  params: ReadonlySet<string>,
  problems: TemplateProblem[],
): Renderer | null {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const [whole, root = '', name = ''] = m;
    if (m.index > last) parts.push(text.slice(last, m.index));
    last = m.index + whole.length;
    if (root === 'params' && params.has(name)) parts.push({ param: name });
    else if (root === 'pod' && isPodField(name)) parts.push({ pod: name });
    else {
      const known =
        root === 'params'
          ? `declared parameters: ${[...params].join(', ') || '(none)'}`
          : root === 'pod'
            ? `pod fields: ${POD_FIELDS.join(', ')}`
            : 'placeholders are {{ params.NAME }} and {{ pod.FIELD }}';
      problems.push({ path, message: `unknown placeholder ${whole} (${known})` });
      parts.push(whole);
    }
  }
  if (parts.length === 0) return null;
  if (last < text.length) parts.push(text.slice(last));
  const frozen = Object.freeze(parts);
  return (values) => {
    let out = '';
    for (const part of frozen) {
      if (typeof part === 'string') out += part;
      else if ('param' in part) out += values.params.get(part.param) ?? '';
      else out += values.pod[part.pod];
    }
    return out;
  };
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // A key named __proto__ must stay a data property, as JSON.parse made it.
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function compileValue(
  value: unknown,
  path: readonly PropertyKey[],
  params: ReadonlySet<string>,
  problems: TemplateProblem[],
): Renderer | null {
  if (typeof value === 'string') return compileString(value, path, params, problems);
  if (Array.isArray(value)) {
    const dynamic: [number, Renderer][] = [];
    value.forEach((item, i) => {
      const r = compileValue(item, [...path, i], params, problems);
      if (r) dynamic.push([i, r]);
    });
    if (dynamic.length === 0) return null;
    return (values) => {
      const out: unknown[] = value.slice();
      for (const [i, r] of dynamic) out[i] = r(values);
      return out;
    };
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const dynamic: [string, Renderer][] = [];
    for (const key of Object.keys(record)) {
      const r = compileValue(record[key], [...path, key], params, problems);
      if (r) dynamic.push([key, r]);
    }
    if (dynamic.length === 0) return null;
    return (values) => {
      const out: Record<string, unknown> = { ...record };
      for (const [key, r] of dynamic) setOwn(out, key, r(values));
      return out;
    };
  }
  return null;
}

/** The parts of a policy that templates apply to. */
export interface TemplateSource {
  readonly initContainers: readonly Container[];
  readonly volumes: readonly Volume[];
  readonly mounts: readonly VolumeMount[];
}

/**
 * Compiles the placeholders of a policy once; `params` are the declared parameter names. Problems
 * carry the field path in the policy document (spec.initContainers[0].args[1]…).
 */
export function compileTemplates(
  source: TemplateSource,
  params: ReadonlySet<string>,
): { readonly render: (values: TemplateValues) => RenderedParts; readonly problems: readonly TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const rc = compileValue(source.initContainers, ['spec', 'initContainers'], params, problems);
  const rv = compileValue(source.volumes, ['spec', 'volumes'], params, problems);
  const rm = compileValue(source.mounts, ['spec', 'volumeMounts', 'mounts'], params, problems);
  if (!rc && !rv && !rm) {
    const constant: RenderedParts = Object.freeze({ ...source });
    return { render: () => constant, problems };
  }
  const render = (values: TemplateValues): RenderedParts => ({
    initContainers: rc ? (rc(values) as Container[]) : source.initContainers,
    volumes: rv ? (rv(values) as Volume[]) : source.volumes,
    mounts: rm ? (rm(values) as VolumeMount[]) : source.mounts,
  });
  return { render, problems };
}
