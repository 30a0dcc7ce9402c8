/**
 * Through the real API server (the e2e harness: etcd + kube-apiserver + controller-manager built
 * from the Kubernetes Go modules, our webhook via `init-injector serve`): pod-create latency in a
 * namespace the webhook is registered for vs one it is not, at a fixed rate, interleaved (one pod in
 * each namespace per tick) so drift on a shared machine hits both alike. Every pod is checked: the
 * injected namespace's pods must come back with the init containers, the other's without.
 * Skipped (with the reason) when the Kubernetes binaries are not built: a cold build takes tens of
 * minutes, which is no part of a benchmark run.
 */
import type { V1Pod } from '@kubernetes/client-node';
import {
  createNamespace,
  getControlPlane,
  INJECT_LABEL,
  readPolicyDir,
  registerWebhook,
  ROUTE_LABEL,
  startTrackedWebhook,
  stopControlPlane,
  waitFor,
  webhookConfiguration,
} from '../../test/e2e/harness/index.js';
import { cachedBinaries } from '../../test/e2e/harness/build.js';
import { BENCH_NAMESPACE_LABELS, BENCH_POD_LABELS, podForReviewSize } from '../lib/pod.js';
import { summarize, type Summary } from '../lib/stats.js';

/** The section's figures, or why it was skipped. */
export type ApiServerFigures =
  | { readonly skipped: string }
  | {
      readonly version: string;
      readonly ratePerSecond: number;
      readonly pods: number;
      readonly withWebhook: Summary;
      readonly withoutWebhook: Summary;
      readonly overheadP50Ms: number;
      readonly overheadP99Ms: number;
      readonly injectedPerPod: number;
      readonly errors: number;
      readonly errorSamples: readonly string[];
    };

/** The bench pod as a user would submit it: no server-set fields, the default ServiceAccount. */
function submittedPod(): V1Pod {
  const pod = structuredClone(podForReviewSize(10 * 1024)) as unknown as V1Pod;
  const meta = pod.metadata!;
  delete meta.managedFields;
  delete meta.ownerReferences;
  delete meta.namespace;
  meta.generateName = 'bench-';
  meta.labels = { ...BENCH_POD_LABELS };
  const spec = pod.spec!;
  delete spec.serviceAccount;
  delete spec.serviceAccountName;
  // The ServiceAccount admission plugin adds the token volume and mounts itself.
  spec.volumes = (spec.volumes ?? []).filter((v) => v.projected === undefined);
  for (const c of spec.containers)
    c.volumeMounts = (c.volumeMounts ?? []).filter((m) => !m.name.startsWith('kube-api-access'));
  delete pod.status;
  return pod;
}

/** Runs the section; `pods` per namespace at `rate` pods/s per namespace. */
export async function runApiServer(
  policiesDir: string,
  rate: number,
  pods: number,
  log: (line: string) => void,
): Promise<ApiServerFigures> {
  if (cachedBinaries() === undefined) {
    return {
      skipped:
        'Kubernetes binaries are not built (npm run test:e2e builds them once; a cold build takes tens of minutes)',
    };
  }
  try {
    const cp = await getControlPlane();
    log(`  control plane ${cp.version} up in ${cp.startMs} ms`);
    const webhook = await startTrackedWebhook(cp, 'bench', readPolicyDir(policiesDir));
    const route = 'bench';
    const labels = { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'enabled', ...BENCH_NAMESPACE_LABELS };
    const withNs = await createNamespace(cp, 'bench-on', labels);
    const withoutNs = await createNamespace(cp, 'bench-off', {
      [ROUTE_LABEL]: 'bench-none',
      ...BENCH_NAMESPACE_LABELS,
    });
    const unregister = await registerWebhook(
      cp,
      webhookConfiguration({
        name: 'bench-injector',
        url: webhook.url,
        caPem: cp.pki.ca.certPem,
        mode: 'opt-in',
        route,
      }),
    );
    const pod = submittedPod();
    const create = async (ns: string): Promise<{ ms: number; pod?: V1Pod; error?: string }> => {
      const t = performance.now();
      try {
        const created = await cp.coreApi.createNamespacedPod({ namespace: ns, body: pod });
        return { ms: performance.now() - t, pod: created };
      } catch (e) {
        return { ms: performance.now() - t, error: (e as Error).message.slice(0, 200) };
      }
    };
    const inits = (p?: V1Pod): number => p?.spec?.initContainers?.length ?? 0;
    // The configuration is effective once a pod in the registered namespace comes back injected.
    const injectedPerPod = await waitFor(
      'the bench webhook configuration to take effect',
      async () => {
        const r = await create(withNs);
        return inits(r.pod) > 0 ? inits(r.pod) : undefined;
      },
      20_000,
      200,
    );
    for (let i = 0; i < 20; i++) await Promise.all([create(withNs), create(withoutNs)]); // warm-up

    const on: number[] = [];
    const off: number[] = [];
    const errors: string[] = [];
    let errorCount = 0;
    const fail = (m: string): void => {
      errorCount += 1;
      if (errors.length < 5) errors.push(m);
    };
    const pending: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < pods; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(
        create(withNs).then((r) => {
          if (r.error !== undefined) fail(`with webhook: ${r.error}`);
          else if (inits(r.pod) !== injectedPerPod)
            fail(`with webhook: ${inits(r.pod)} init containers, expected ${injectedPerPod}`);
          on.push(r.ms);
        }),
        create(withoutNs).then((r) => {
          if (r.error !== undefined) fail(`without webhook: ${r.error}`);
          else if (inits(r.pod) !== 0) fail(`without webhook: the pod was injected`);
          off.push(r.ms);
        }),
      );
    }
    await Promise.all(pending);
    await unregister();
    for (const ns of [withNs, withoutNs]) await cp.coreApi.deleteNamespace({ name: ns }).catch(() => undefined);
    const a = summarize(on);
    const b = summarize(off);
    return {
      version: cp.version,
      ratePerSecond: rate,
      pods,
      withWebhook: a,
      withoutWebhook: b,
      overheadP50Ms: a.p50 - b.p50,
      overheadP99Ms: a.p99 - b.p99,
      injectedPerPod,
      errors: errorCount,
      errorSamples: errors,
    };
  } finally {
    await stopControlPlane();
  }
}
