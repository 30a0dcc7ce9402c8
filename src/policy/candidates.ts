/**
 * The selection index behind PolicySet.candidates, so that 1000 policies do not cost 100 times what
 * ten cost (the target in docs/performance.md is at most 3 times). Built once per PolicySet from
 * the policies in (priority, name) order: by namespace (policies without `match.namespaces`, exact
 * names, globs) and, within a namespace, by the one pod label a policy's `podSelector.matchLabels`
 * requires. Answers keep policy order.
 */
import type { CompiledPolicy, Labels } from '../engine/types.js';

/** At most this many namespaces keep a cached candidate list; the cache only avoids re-merging. */
const CANDIDATE_CACHE_SIZE = 4096;

/** Returns the candidates function of a PolicySet whose policies are `sorted`. */
export function candidateIndex(
  sorted: readonly CompiledPolicy[],
): (namespace: string, podLabels?: Labels) => readonly CompiledPolicy[] {
  const unconstrained: number[] = [];
  const exact = new Map<string, number[]>();
  const globbed: { re: RegExp; index: number }[] = [];
  sorted.forEach((p, index) => {
    const ns = p.match?.namespaces;
    if (!ns) {
      unconstrained.push(index);
      return;
    }
    for (const name of ns.exact) {
      const list = exact.get(name) ?? [];
      list.push(index);
      exact.set(name, list);
    }
    for (const re of ns.globs) globbed.push({ re, index });
  });
  const cache = new Map<string, Bucket>();

  const bucket = (namespace: string): Bucket => {
    const cached = cache.get(namespace);
    if (cached) return cached;
    const indices = new Set<number>(unconstrained);
    for (const i of exact.get(namespace) ?? []) indices.add(i);
    for (const g of globbed) if (g.re.test(namespace)) indices.add(g.index);
    const ordered = [...indices].sort((a, b) => a - b);
    const b = makeBucket(
      ordered.map((i) => sorted[i] as CompiledPolicy),
      ordered,
    );
    if (cache.size >= CANDIDATE_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(namespace, b);
    return b;
  };

  const candidates = (namespace: string, podLabels?: Labels): readonly CompiledPolicy[] => {
    const b = bucket(namespace);
    if (podLabels === undefined) return b.all;
    if (b.byLabel.size === 0) return b.all;
    let hits: number[] | undefined;
    for (const key of Object.keys(podLabels)) {
      const found = b.byLabel.get(`${key}\u0000${podLabels[key] ?? ''}`);
      if (found) (hits ??= []).push(...found);
    }
    if (hits === undefined) return b.unlabelled;
    const merged = [...b.unlabelledIndices, ...hits].sort((x, y) => x - y);
    return merged.map((i) => sorted[i] as CompiledPolicy);
  };

  return candidates;
}

/** The candidates of one namespace, split by the pod label each policy requires (if any). */
interface Bucket {
  readonly all: readonly CompiledPolicy[];
  /** Policies with no indexed pod label: candidates for every pod of the namespace. */
  readonly unlabelled: readonly CompiledPolicy[];
  readonly unlabelledIndices: readonly number[];
  /** `key\0value` -> set indices of the policies that require that pod label. */
  readonly byLabel: ReadonlyMap<string, readonly number[]>;
}

function makeBucket(policies: readonly CompiledPolicy[], indices: readonly number[]): Bucket {
  const unlabelled: CompiledPolicy[] = [];
  const unlabelledIndices: number[] = [];
  const byLabel = new Map<string, number[]>();
  policies.forEach((p, n) => {
    const index = indices[n] ?? 0;
    const label = p.match?.podLabelKey;
    if (label === undefined) {
      unlabelled.push(p);
      unlabelledIndices.push(index);
      return;
    }
    const key = `${label[0]}\u0000${label[1]}`;
    const list = byLabel.get(key) ?? [];
    list.push(index);
    byLabel.set(key, list);
  });
  return { all: Object.freeze([...policies]), unlabelled: Object.freeze(unlabelled), unlabelledIndices, byLabel };
}
