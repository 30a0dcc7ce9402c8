/**
 * Where inject, explain and status read the policies from: directories and files as everywhere, the
 * ConfigMap the webhook mounts (`-p configmap/NAMESPACE/NAME`), or the cluster's InjectionPolicy
 * objects (`-p injectionpolicies.init-injector.io`), read with the kubeconfig so that a preview or a
 * report uses exactly what the cluster holds. The ConfigMap's *.yaml/*.yml keys are loaded as files
 * (problems name them configmap/NAMESPACE/NAME/KEY:LINE); the objects as one exported List.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PolicySet } from '../engine/types.js';
import { dump } from 'js-yaml';
import { apiErrorLine, connect, listInjectionPolicies } from '../kube/cluster-read.js';
import type { Diagnostic, Result } from '../policy/diagnostics.js';
import { loadPolicies } from '../policy/load.js';

const PREFIX = 'configmap/';
/** The -p value naming the cluster's InjectionPolicy objects (kubectl's full resource name). */
export const CLUSTER_OBJECTS = 'injectionpolicies.init-injector.io';

/** True for a -p value naming a ConfigMap. */
export const isConfigMapSource = (p: string): boolean => p.startsWith(PREFIX);

async function objectsToDir(kubeconfig: string | undefined, dir: string): Promise<string | undefined> {
  const cluster = connect(kubeconfig);
  try {
    const items = await listInjectionPolicies(cluster);
    writeFileSync(path.join(dir, 'injectionpolicies.yaml'), dump({ apiVersion: 'v1', kind: 'List', items }));
    return undefined;
  } catch (error) {
    return `cannot list InjectionPolicies: ${apiErrorLine(error, cluster.server)}`;
  }
}

/** Loads the policies of `paths`, fetching ConfigMap sources first. */
export async function loadPolicySources(
  paths: readonly string[],
  kubeconfig: string | undefined,
): Promise<Result<PolicySet, readonly Diagnostic[]>> {
  const temp: { dir: string; source: string }[] = [];
  try {
    const resolved: string[] = [];
    for (const p of paths) {
      if (p === CLUSTER_OBJECTS) {
        const dir = mkdtempSync(path.join(tmpdir(), 'init-injector-policies-'));
        temp.push({ dir: path.join(dir, 'injectionpolicies.yaml'), source: p });
        temp.push({ dir, source: p });
        const problem = await objectsToDir(kubeconfig, dir);
        if (problem !== undefined) return fail(p, problem);
        resolved.push(dir);
        continue;
      }
      if (!isConfigMapSource(p)) {
        resolved.push(p);
        continue;
      }
      const [namespace, name, ...rest] = p.slice(PREFIX.length).split('/');
      if (namespace === undefined || namespace === '' || name === undefined || name === '' || rest.length > 0)
        return fail(p, `expected ${PREFIX}NAMESPACE/NAME`);
      const cluster = connect(kubeconfig);
      let data: Record<string, string>;
      try {
        data = (await cluster.core.readNamespacedConfigMap({ name, namespace })).data ?? {};
      } catch (error) {
        return fail(p, `cannot read the ConfigMap: ${apiErrorLine(error, cluster.server)}`);
      }
      const dir = mkdtempSync(path.join(tmpdir(), 'init-injector-policies-'));
      temp.push({ dir, source: p });
      for (const [key, text] of Object.entries(data))
        if (/\.ya?ml$/.test(key) && !key.includes('/')) writeFileSync(path.join(dir, key), text);
      resolved.push(dir);
    }
    const loaded = await loadPolicies(resolved);
    if (loaded.ok) return loaded;
    // Problems name the ConfigMap and its key, not the temporary directory.
    const named = (text: string): string => temp.reduce((t, x) => t.replaceAll(x.dir, x.source), text);
    return { ok: false, error: loaded.error.map((d) => ({ ...d, file: named(d.file), message: named(d.message) })) };
  } finally {
    for (const t of temp) rmSync(t.dir, { recursive: true, force: true });
  }
}

function fail(file: string, message: string): Result<PolicySet, readonly Diagnostic[]> {
  return { ok: false, error: [{ file, line: 0, path: '', message }] };
}
