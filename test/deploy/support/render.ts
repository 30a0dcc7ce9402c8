// Renders the shipped manifests with the real tools: `kubectl kustomize` for the overlays and
// `helm template` for the chart. Objects come back parsed, in the tools' output order.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { ensureDeployTools } from '../tools.js';

/** Repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The Helm chart directory. */
export const CHART = join(ROOT, 'deploy', 'helm', 'init-injector');
/** The two install modes, named as the overlays and the chart's `mode` value. */
export const MODES = ['opt-in', 'cluster-wide'] as const;
/** One install mode. */
export type Mode = (typeof MODES)[number];

/** A rendered Kubernetes object (only the fields every object has are typed). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Result of one tool run: the exit code and both streams, for tests of failures. */
export interface ToolRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a tool and returns its exit code and output (never throws on a non-zero exit). */
export function runTool(bin: string, args: readonly string[]): ToolRun {
  const r = spawnSync(bin, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Parses multi-document YAML into objects, dropping empty documents. */
export function parseObjects(yaml: string): KubeObject[] {
  return loadAll(yaml).filter((d): d is KubeObject => d !== null && typeof d === 'object');
}

function mustSucceed(what: string, run: ToolRun): KubeObject[] {
  if (run.status !== 0) throw new Error(`${what} failed (exit ${run.status}):\n${run.stderr}`);
  return parseObjects(run.stdout);
}

/** `kubectl kustomize <dir>` (a path relative to the repository root). */
export function renderKustomize(dir: string): KubeObject[] {
  const { kubectl } = ensureDeployTools();
  return mustSucceed(`kubectl kustomize ${dir}`, runTool(kubectl, ['kustomize', join(ROOT, dir)]));
}

/** `kubectl kustomize deploy/kustomize/overlays/<mode>`. */
export function renderOverlay(mode: Mode): KubeObject[] {
  return renderKustomize(join('deploy', 'kustomize', 'overlays', mode));
}

/** Arguments for `helm template` of the chart with the given --set values (release init-injector). */
export function helmArgs(sets: readonly string[], namespace = 'init-injector', release = 'init-injector'): string[] {
  return ['template', release, CHART, '--namespace', namespace, ...sets.flatMap((s) => ['--set', s])];
}

/** `helm template` with the given --set values; throws with helm's message when it fails. */
export function renderChart(
  sets: readonly string[],
  namespace = 'init-injector',
  release = 'init-injector',
): KubeObject[] {
  const { helm } = ensureDeployTools();
  return mustSucceed(`helm template ${sets.join(' ')}`, runTool(helm, helmArgs(sets, namespace, release)));
}

/** `helm template --include-crds`: with the CRDs of the chart's crds/ directory, as `helm install` applies them. */
export function renderChartWithCrds(sets: readonly string[]): KubeObject[] {
  const { helm } = ensureDeployTools();
  return mustSucceed(
    `helm template --include-crds ${sets.join(' ')}`,
    runTool(helm, [...helmArgs(sets), '--include-crds']),
  );
}

/** `helm template` expected to fail: returns helm's stderr (throws if it succeeded). */
export function renderChartError(sets: readonly string[]): string {
  const { helm } = ensureDeployTools();
  const run = runTool(helm, helmArgs(sets));
  if (run.status === 0) throw new Error(`helm template ${sets.join(' ')} succeeded but should have failed`);
  return run.stderr;
}

/** The single object of a kind (and name, when given); throws naming what is missing. */
export function one(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1)
    throw new Error(`expected exactly one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}
