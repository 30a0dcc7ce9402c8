/**
 * Templates: `{{ params.NAME }}` and `{{ pod.FIELD }}` in the string fields of a policy's init
 * containers, volumes and mounts. They are compiled once at load time into renderers; rendering is
 * one pass that inserts each value as literal text. A value is never parsed (as YAML, JSON or a
 * template) and never re-scanned, so `{{ params.x }}` inside a value stays literal, and a value can
 * change nothing but the one string it lands in (docs/reliability.md §3, "Template and parameter
 * safety").
 */
import { canonicalJson, RENDER_DIGEST_LENGTH, sha256 } from './canonical.js';
import type { Container, Volume, VolumeMount } from '../kube/wire.js';
import type { RenderedParts, TemplateValues } from '../engine/types.js';
import { PLACEHOLDER } from './placeholders.js';

/** The pod fields a template may use. */
export const POD_FIELDS = ['name', 'generateName', 'namespace', 'serviceAccountName'] as const;
type PodField = (typeof POD_FIELDS)[number];

type Part = string | { readonly param: string } | { readonly pod: PodField };
type Renderer = (values: TemplateValues) => unknown;

const isPodField = (name: string): name is PodField => (POD_FIELDS as readonly string[]).includes(name);

/** The placeholders a policy's templates use: what its rendering (and so its digest) depends on. */
interface Used {
  readonly params: Set<string>;
  readonly pod: Set<PodField>;
}

function compileString(text: string, params: ReadonlySet<string>, used: Used): Renderer | null {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const whole = m[0];
    const [root = '', name = ''] = (m[1] ?? '').split('.');
    if (m.index > last) parts.push(text.slice(last, m.index));
    last = m.index + whole.length;
    if (root === 'params' && params.has(name)) {
      parts.push({ param: name });
      used.params.add(name);
    } else if (root === 'pod' && isPodField(name)) {
      parts.push({ pod: name });
      used.pod.add(name);
    }
    // Validation (placeholders.ts) refused the policy before it got here; stay literal regardless.
    else parts.push(whole);
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

function compileValue(value: unknown, params: ReadonlySet<string>, used: Used): Renderer | null {
  if (typeof value === 'string') return compileString(value, params, used);
  if (Array.isArray(value)) {
    const dynamic: [number, Renderer][] = [];
    value.forEach((item, i) => {
      const r = compileValue(item, params, used);
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
      const r = compileValue(record[key], params, used);
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
 * The render digest (docs/semantics.md, "What a pod records"): the policy's `shape` (placement, mount
 * targets, QoS settings) and the objects rendered for one pod, hashed; the first 12 hex digits.
 */
export function renderDigest(shape: string, parts: TemplateSource): string {
  const objects = { initContainers: parts.initContainers, volumes: parts.volumes, mounts: parts.mounts };
  return sha256(`${shape}\n${canonicalJson(objects)}`).slice(0, RENDER_DIGEST_LENGTH);
}

/** Digests remembered per policy: most pods of a cluster render a policy with the same few values. */
const DIGEST_CACHE_SIZE = 1024;

/**
 * Compiles the placeholders of a validated policy once; `params` are the declared parameter names.
 * Unknown placeholders were refused by validation (placeholders.ts), the one place that checks them.
 * A policy without placeholders renders one frozen object with its digest computed here. Otherwise
 * the digest is computed on first read (only policies actually applied to a pod pay for it) and
 * remembered by the values of the placeholders the templates use, which is all the rendering
 * depends on: hashing a rendered container costs ten times rendering it.
 */
export function compileTemplates(
  source: TemplateSource,
  params: ReadonlySet<string>,
  shape: string,
): (values: TemplateValues) => RenderedParts {
  const used: Used = { params: new Set(), pod: new Set() };
  const rc = compileValue(source.initContainers, params, used);
  const rv = compileValue(source.volumes, params, used);
  const rm = compileValue(source.mounts, params, used);
  if (!rc && !rv && !rm) {
    const digest = renderDigest(shape, source);
    const constant: RenderedParts = Object.freeze({ ...source, digest: () => digest });
    return () => constant;
  }
  const usedParams = [...used.params];
  const usedPod = [...used.pod];
  const cache = new Map<string, string>();
  return (values: TemplateValues): RenderedParts => {
    const objects: TemplateSource = {
      initContainers: rc ? (rc(values) as Container[]) : source.initContainers,
      volumes: rv ? (rv(values) as Volume[]) : source.volumes,
      mounts: rm ? (rm(values) as VolumeMount[]) : source.mounts,
    };
    let digest: string | undefined;
    return {
      ...objects,
      digest: (): string => {
        if (digest !== undefined) return digest;
        const key = JSON.stringify([
          usedParams.map((p) => values.params.get(p) ?? ''),
          usedPod.map((f) => values.pod[f]),
        ]);
        digest = cache.get(key);
        if (digest === undefined) {
          digest = renderDigest(shape, objects);
          if (cache.size >= DIGEST_CACHE_SIZE) cache.clear();
          cache.set(key, digest);
        }
        return digest;
      },
    };
  };
}
