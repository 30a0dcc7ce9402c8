/**
 * Where inject, explain and status read the policies from: directories and files as everywhere, the
 * ConfigMap the webhook mounts (`-p configmap/NAMESPACE/NAME`), or the cluster's InjectionPolicy
 * objects (`-p injectionpolicies.init-injector.io`), read with the kubeconfig so that a preview or a
 * report uses exactly what the cluster holds. The ConfigMap's *.yaml/*.yml keys are loaded as files
 * (problems name them configmap/NAMESPACE/NAME/KEY:LINE); the objects one file each (problems name
 * them injectionpolicy/NAME, as `validate --from-cluster` does).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PolicySet } from '../engine/types.js';
import { dump } from 'js-yaml';
import { apiErrorLine, POLICY_RESOURCE_NAME, readInjectionPolicies, tryConnect } from '../kube/cluster-read.js';
import type { Diagnostic, Result } from '../policy/diagnostics.js';
import { loadPolicies } from '../policy/load.js';

const PREFIX = 'configmap/';
/** The -p value naming the cluster's InjectionPolicy objects (kubectl's full resource name). */
export const CLUSTER_OBJECTS = POLICY_RESOURCE_NAME;

/** True for a -p value naming a ConfigMap. */
export const isConfigMapSource = (p: string): boolean => p.startsWith(PREFIX);

/**
 * Writes each InjectionPolicy of the cluster into `dir` as NAME.yaml; returns how problems in those
 * files are named (injectionpolicy/NAME, without lines: an object is not a file), or the failure.
 */
async function objectsToDir(kubeconfig: string | undefined, dir: string): Promise<Renaming[] | string> {
  const items = await readInjectionPolicies(kubeconfig);
  if (!Array.isArray(items)) return items.error;
  return items.map((item, i) => {
    const name = (item['metadata'] as { name?: string } | undefined)?.name ?? `#${String(i)}`;
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, dump(item));
    return { from: file, to: `injectionpolicy/${name}`, lines: false };
  });
}

/** How a temporary file or directory is named in problems. */
interface Renaming {
  readonly from: string;
  readonly to: string;
  /** Keep line numbers (a ConfigMap key is a file the user wrote; a dumped object is not). */
  readonly lines: boolean;
}

/** Loads the policies of `paths`, fetching ConfigMap sources first. */
export async function loadPolicySources(
  paths: readonly string[],
  kubeconfig: string | undefined,
): Promise<Result<PolicySet, readonly Diagnostic[]>> {
  const dirs: string[] = [];
  const renamings: Renaming[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'init-injector-policies-'));
    dirs.push(dir);
    return dir;
  };
  try {
    const resolved: string[] = [];
    for (const p of paths) {
      if (p === CLUSTER_OBJECTS) {
        const dir = tempDir();
        const written = await objectsToDir(kubeconfig, dir);
        if (typeof written === 'string') return fail(p, written);
        renamings.push(...written);
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
      const cluster = tryConnect(kubeconfig);
      if ('error' in cluster) return fail(p, cluster.error);
      let data: Record<string, string>;
      try {
        data = (await cluster.core.readNamespacedConfigMap({ name, namespace })).data ?? {};
      } catch (error) {
        return fail(p, `cannot read the ConfigMap: ${apiErrorLine(error, cluster.server)}`);
      }
      const dir = tempDir();
      renamings.push({ from: dir, to: p, lines: true });
      for (const [key, text] of Object.entries(data))
        if (/\.ya?ml$/.test(key) && !key.includes('/')) writeFileSync(path.join(dir, key), text);
      resolved.push(dir);
    }
    const loaded = await loadPolicies(resolved);
    if (loaded.ok) return loaded;
    // Problems name the ConfigMap and its key, or the object, not the temporary files.
    const named = (text: string): string => renamings.reduce((t, r) => t.replaceAll(r.from, r.to), text);
    const lines = (file: string): boolean => renamings.find((r) => file.startsWith(r.from))?.lines ?? true;
    return {
      ok: false,
      error: loaded.error.map((d) => ({
        ...d,
        line: lines(d.file) ? d.line : 0,
        file: named(d.file),
        message: named(d.message),
      })),
    };
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

function fail(file: string, message: string): Result<PolicySet, readonly Diagnostic[]> {
  return { ok: false, error: [{ file, line: 0, path: '', message }] };
}
