/**
 * Where explain and status read the policies from: directories and files as everywhere, or the
 * ConfigMap the webhook mounts (`-p configmap/NAMESPACE/NAME`), read with the kubeconfig so that the
 * report compares pods with exactly what the cluster serves. The ConfigMap's *.yaml/*.yml keys are
 * loaded as files; problems name them as configmap/NAMESPACE/NAME/KEY:LINE.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PolicySet } from '../engine/types.js';
import { apiErrorLine, connect } from '../kube/cluster-read.js';
import type { Diagnostic, Result } from '../policy/diagnostics.js';
import { loadPolicies } from '../policy/load.js';

const PREFIX = 'configmap/';

/** True for a -p value naming a ConfigMap. */
export const isConfigMapSource = (p: string): boolean => p.startsWith(PREFIX);

/** Loads the policies of `paths`, fetching ConfigMap sources first. */
export async function loadPolicySources(
  paths: readonly string[],
  kubeconfig: string | undefined,
): Promise<Result<PolicySet, readonly Diagnostic[]>> {
  const temp: { dir: string; source: string }[] = [];
  try {
    const resolved: string[] = [];
    for (const p of paths) {
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
