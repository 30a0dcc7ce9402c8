/**
 * Loading one golden case: the pod, its namespace (from <case>.ns.yaml, else "default") and its
 * policies, built into the same MutationInput the CLI builds (src/cli/context.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { namespaceInfo, syntheticRequest } from '../../src/cli/context.js';
import type { CliIO } from '../../src/cli/io.js';
import { parseManifest } from '../../src/cli/manifests.js';
import type { MutationInput, PolicySet } from '../../src/engine/types.js';
import type { Pod } from '../../src/kube/wire.js';
import { formatDiagnostic } from '../../src/policy/diagnostics.js';
import { loadPolicies } from '../../src/policy/load.js';
import { DATA, policiesFor, readData } from './golden.js';

export interface GoldenCase {
  readonly name: string;
  readonly pod: Pod;
  readonly namespace: { readonly name: string; readonly labels: Record<string, string> };
  readonly policies: string;
  readonly policySet: PolicySet;
  readonly input: MutationInput;
}

const setCache = new Map<string, Promise<PolicySet>>();

async function policySet(dir: string): Promise<PolicySet> {
  const cached = setCache.get(dir);
  if (cached !== undefined) return cached;
  const loading = loadPolicies([dir]).then((r) => {
    if (!r.ok) throw new Error(`golden policies in ${dir} are invalid:\n${r.error.map(formatDiagnostic).join('\n')}`);
    return r.value;
  });
  setCache.set(dir, loading);
  return loading;
}

/** Reads testdata/<name>.pod.yaml (+ .ns.yaml, + .policies/) into a MutationInput. */
export async function loadCase(name: string): Promise<GoldenCase> {
  const manifest = parseManifest(readData(`${name}.pod.yaml`), `${name}.pod.yaml`);
  if ('error' in manifest) throw new Error(manifest.error);
  const [pod] = manifest.docs;
  if (pod === undefined || manifest.docs.length !== 1) throw new Error(`${name}.pod.yaml must hold exactly one Pod`);
  const nsFile = join(DATA, `${name}.ns.yaml`);
  const ns = existsSync(nsFile)
    ? (load(readData(`${name}.ns.yaml`)) as { name: string; labels?: Record<string, string> })
    : { name: 'default' };
  const namespace = { name: ns.name, labels: ns.labels ?? {} };
  const policies = policiesFor(name);
  const set = await policySet(policies);
  const input: MutationInput = {
    pod: pod,
    namespace: namespaceInfo(namespace.name, namespace.labels),
    policies: set,
    request: syntheticRequest(namespace.name, (pod as Pod).metadata?.name),
  };
  return { name, pod: pod, namespace, policies, policySet: set, input };
}

/** A CliIO that records both streams, for running the CLI in-process. */
export function captureIO(stdin = ''): CliIO & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => (out += t),
    err: (t) => (err += t),
    stdin: () => Promise.resolve(stdin),
    stdout: () => out,
    stderr: () => err,
  };
}
