/**
 * `init-injector status` on a large namespace of the real API server (the e2e harness): N pods of
 * the API-server section's 10 KB shape, a third injected under the shipped policies (current), a
 * third injected under an older version of one policy (outdated), a third never injected (missing),
 * owned by 100 ReplicaSets. Measured: the wall time and peak RSS of one `status` run (from dist/,
 * as a user runs it), and that it counted every pod right. Skipped without the Kubernetes binaries.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { mutate } from '../../src/engine/index.js';
import type { PolicySet } from '../../src/engine/types.js';
import type { Pod } from '../../src/kube/wire.js';
import { loadPolicies } from '../../src/policy/load.js';
import { namespaceInfo } from '../../src/cli/context.js';
import { createNamespace, getControlPlane, runCommand, stopControlPlane } from '../../test/e2e/harness/index.js';
import { cachedBinaries } from '../../test/e2e/harness/build.js';
import { submittedPod } from '../lib/apiserver-pod.js';
import { ROOT } from '../lib/servers.js';

export type StatusFigures =
  | { readonly skipped: string }
  | {
      readonly pods: number;
      readonly workloads: number;
      /** Pods created per second while filling the namespace (for context). */
      readonly createPerSecond: number;
      readonly seconds: number;
      readonly maxRssMiB: number;
      readonly usPerPod: number;
      readonly counted: { current: number; outdated: number; missing: number };
      readonly errors: number;
      readonly errorSamples: readonly string[];
    };

async function policySet(dir: string): Promise<PolicySet> {
  const loaded = await loadPolicies([dir]);
  if (!loaded.ok) throw new Error(`policies in ${dir} are invalid`);
  return loaded.value;
}

function injectedBy(set: PolicySet, pod: Pod, namespace: string): Pod {
  return mutate({ pod, namespace: namespaceInfo(namespace), policies: set }).mutated;
}

/** One `init-injector status` from dist/ under /usr/bin/time: its result, wall seconds and peak RSS. */
async function timedStatus(
  args: readonly string[],
): Promise<{ code: number; stdout: string; seconds: number; rssKiB: number }> {
  const run = await runCommand('/usr/bin/time', [
    '-f',
    '%e %M',
    process.execPath,
    join(ROOT, 'bin', 'init-injector.js'),
    ...args,
  ]);
  const [seconds, rss] = (run.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { code: run.code, stdout: run.stdout, seconds: seconds ?? NaN, rssKiB: rss ?? NaN };
}

/** Runs the section with `count` pods. */
export async function runStatusSection(
  work: string,
  count: number,
  log: (line: string) => void,
): Promise<StatusFigures> {
  if (cachedBinaries() === undefined)
    return { skipped: 'Kubernetes binaries are not built (npm run test:e2e builds them once)' };
  try {
    const cp = await getControlPlane();
    const namespace = await createNamespace(cp, 'status', {});
    const shipped = join(ROOT, 'policies');
    const older = join(work, 'policies-older');
    cpSync(shipped, older, { recursive: true });
    const file = join(older, 'init-demo.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('image: luksa/init-demo:1.0', 'image: luksa/init-demo:0.9'));
    const [now, before] = [await policySet(shipped), await policySet(older)];
    const base = submittedPod() as unknown as Pod;
    const kinds = [injectedBy(now, base, namespace), injectedBy(before, base, namespace), base];
    const started = Date.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < count; i = next++) {
        const pod = structuredClone(kinds[i % 3]!);
        const meta = { ...pod.metadata };
        delete meta.generateName;
        pod.metadata = {
          ...meta,
          name: `p-${String(i)}`,
          ownerReferences: [
            // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- plain wire JSON
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: `rs-${String(i % 100)}`,
              uid: `uid-${String(i % 100)}`,
              controller: true,
            },
          ],
        };
        await cp.coreApi.createNamespacedPod({ namespace, body: pod as unknown as V1Pod });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const createPerSecond = count / ((Date.now() - started) / 1000);
    log(`  ${String(count)} pods created at ${createPerSecond.toFixed(0)}/s; running status`);
    const run = await timedStatus([
      'status',
      '-p',
      shipped,
      '-n',
      namespace,
      '--kubeconfig',
      cp.kubeconfigPath,
      '-o',
      'json',
    ]);
    const errors: string[] = [];
    let counted = { current: NaN, outdated: NaN, missing: NaN };
    let workloads = NaN;
    try {
      const report = JSON.parse(run.stdout) as { summary: typeof counted; workloads: unknown[] };
      counted = { current: report.summary.current, outdated: report.summary.outdated, missing: report.summary.missing };
      workloads = report.workloads.length;
    } catch {
      errors.push(`status printed no JSON (exit ${String(run.code)})`);
    }
    // Pod i is current, outdated or missing by i % 3.
    const expected = {
      current: Math.ceil(count / 3),
      outdated: Math.floor((count + 1) / 3),
      missing: Math.floor(count / 3),
    };
    if (JSON.stringify(counted) !== JSON.stringify(expected))
      errors.push(`counted ${JSON.stringify(counted)}, expected ${JSON.stringify(expected)}`);
    if (run.code !== 3) errors.push(`status exited ${String(run.code)}, expected 3 (drift)`);
    return {
      pods: count,
      workloads,
      createPerSecond,
      seconds: run.seconds,
      maxRssMiB: run.rssKiB / 1024,
      usPerPod: (run.seconds * 1e6) / count,
      counted,
      errors: errors.length,
      errorSamples: errors,
    };
  } finally {
    await stopControlPlane();
  }
}
