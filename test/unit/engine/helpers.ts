/**
 * Test helpers: policies are built the way the loader builds them (InjectionPolicySchema.parse,
 * then compilePolicy and buildPolicySet), never by hand. run() checks, on every call, that the
 * patch replays onto the original to give `mutated` exactly and that mutating the result again
 * gives an empty patch (idempotence).
 */
import { deepStrictEqual, ok as assert } from 'node:assert/strict';
import jsonpatch from 'fast-json-patch';
import { mutate } from '../../../src/engine/index.js';
import type { MutationResult, NamespaceInfo, PolicySet, RequestInfo } from '../../../src/engine/types.js';
import type { Pod } from '../../../src/kube/wire.js';
import { buildPolicySet, compilePolicy } from '../../../src/policy/compile.js';
import { InjectionPolicySchema } from '../../../src/policy/schema.js';

const { applyPatch, deepClone } = jsonpatch;

/** A policy document with defaults filled in by the schema. `spec` may omit initContainers. */
export function doc(name: string, spec: Record<string, unknown> = {}) {
  return InjectionPolicySchema.parse({
    apiVersion: 'init-injector.io/v1alpha1',
    kind: 'InjectionPolicy',
    metadata: { name },
    spec: { initContainers: [{ name, image: `example.com/${name}:1` }], ...spec },
  });
}

/** Compiles documents into a PolicySet; fails the test on any diagnostic. */
export function policySet(...docs: ReturnType<typeof doc>[]): PolicySet {
  const compiled = docs.map((d, i) => {
    const r = compilePolicy(d, { file: `p${i}.yaml`, line: 1 }, () => 1);
    if (!r.ok) throw new Error(r.error.map((e) => `${e.path}: ${e.message}`).join('\n'));
    return r.value;
  });
  const set = buildPolicySet(compiled);
  if (!set.ok) throw new Error(set.error.map((e) => e.message).join('\n'));
  return set.value;
}

/** A small valid pod; `extra` is merged into metadata/spec. */
export function pod(over: { metadata?: Record<string, unknown>; spec?: Record<string, unknown> } = {}): Pod {
  const plain: unknown = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', ...over.metadata },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...over.spec },
  };
  return plain as Pod;
}

export interface RunOptions {
  namespace?: string;
  labels?: Record<string, string> | undefined;
  namespaceObject?: unknown;
  request?: RequestInfo;
}

/** mutate() plus the invariants every result must keep. */
export function run(p: Pod, policies: PolicySet, opts: RunOptions = {}): MutationResult {
  const namespace: NamespaceInfo = {
    name: opts.namespace ?? 'default',
    ...('labels' in opts ? (opts.labels ? { labels: opts.labels } : {}) : { labels: {} }),
    ...(opts.namespaceObject !== undefined ? { object: opts.namespaceObject } : {}),
  };
  const before = JSON.stringify(p);
  const input = { pod: p, namespace, policies, ...(opts.request ? { request: opts.request } : {}) };
  const result = mutate(input);
  deepStrictEqual(JSON.stringify(p), before, 'mutate() must not modify its input');
  const replayed = applyPatch(deepClone(p), deepClone(result.patch), true, false).newDocument;
  deepStrictEqual(replayed, result.denial ? p : result.mutated, 'the patch must replay to the mutated pod');
  if (!result.denial) {
    const again = mutate({ ...input, pod: result.mutated });
    deepStrictEqual(again.patch, [], 'mutating the mutated pod must give an empty patch');
    assert(again.denial === undefined, 'the mutated pod must not be denied');
  }
  return result;
}

/** Names of the pod's init containers, in order. */
export const initNames = (p: Pod): string[] => (p.spec?.initContainers ?? []).map((c) => c.name);

/** The decision for one policy. */
export const decision = (r: MutationResult, policy: string) => r.decisions.find((d) => d.policy === policy);
