/**
 * Through the real API server (the e2e harness: etcd + kube-apiserver + controller-manager built
 * from the Kubernetes Go modules, our webhook via `init-injector serve`): pod-create latency at a
 * fixed rate in four namespaces, interleaved in one steady stream (order rotated each tick) so
 * drift on a shared machine hits all alike: one our webhook is registered for, one with no webhook,
 * one registered to the bare floor answering no patch (the API server's cost of calling any
 * webhook) and one to the floor answering our own patch with reinvocationPolicy Never (the cost of
 * applying it). Our server's and the floors' own time per call come from their logs, the API
 * server's timing of each call from its metrics; bench/lib/apiserver-figures.ts has the split.
 * Every pod is checked: injected where a patch is answered, untouched elsewhere. Skipped (with the
 * reason) when the Kubernetes binaries are not built: a cold build takes tens of minutes.
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
  type ControlPlane,
} from '../../test/e2e/harness/index.js';
import { cachedBinaries } from '../../test/e2e/harness/build.js';
import { admissionsSince, apiServerWebhookTotals, callsBetween, logOffset } from '../lib/admission-timing.js';
import { decompose, type ApiServerCallView, type ApiServerLatencies } from '../lib/apiserver-figures.js';
import { ourPatchFor, submittedPod } from '../lib/apiserver-pod.js';
import { BENCH_NAMESPACE_LABELS } from '../lib/pod.js';
import { startFloorWebhook, type FloorWebhook } from '../lib/webhook-floor.js';

/** The section's figures, or why it was skipped. */
export type ApiServerFigures =
  | { readonly skipped: string }
  | (ApiServerLatencies & {
      readonly version: string;
      readonly ratePerSecond: number;
      /** Pods per namespace kind. */
      readonly pods: number;
      /** Pods created and checked in the measured window, all kinds. */
      readonly podsChecked: number;
      /** ours − none (the target in docs/performance.md is on the p50). */
      readonly overheadP50Ms: number;
      readonly overheadP99Ms: number;
      /** Each webhook's calls as the API server timed them. */
      readonly apiServerView: Readonly<Record<'ours' | 'floor' | 'floorPatch', ApiServerCallView | null>>;
      readonly injectedPerPod: number;
      readonly errors: number;
      readonly errorSamples: readonly string[];
    });

const WEBHOOK = {
  ours: 'inject.init-injector.io',
  floor: 'floor-none.bench.init-injector.io',
  floorPatch: 'floor-patch.bench.init-injector.io',
} as const;

type Kind = 'ours' | 'none' | 'floor' | 'floorPatch';

/** Registers `url` (opt-in, URL mode, the control plane's CA) for namespaces labelled with `route`. */
async function register(
  cp: ControlPlane,
  name: string,
  url: string,
  route: string,
  webhookName: string,
  reinvocation: 'IfNeeded' | 'Never',
): Promise<{ ns: string; unregister: () => Promise<void> }> {
  const ns = await createNamespace(cp, name, {
    [ROUTE_LABEL]: route,
    [INJECT_LABEL]: 'enabled',
    ...BENCH_NAMESPACE_LABELS,
  });
  const cfg = webhookConfiguration({ name, url, caPem: cp.pki.ca.certPem, mode: 'opt-in', route, webhookName });
  const body = { ...cfg, webhooks: (cfg.webhooks ?? []).map((w) => ({ ...w, reinvocationPolicy: reinvocation })) };
  return { ns, unregister: await registerWebhook(cp, body) };
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
  const floors: FloorWebhook[] = [];
  try {
    const cp = await getControlPlane();
    log(`  control plane ${cp.version} up in ${cp.startMs} ms`);
    const webhook = await startTrackedWebhook(cp, 'bench', readPolicyDir(policiesDir));
    const serveLog = webhook.logFile;
    const ours = await register(cp, 'bench-on', webhook.url, 'bench', WEBHOOK.ours, 'IfNeeded');
    const noneNs = await createNamespace(cp, 'bench-off', { [ROUTE_LABEL]: 'bench-none', ...BENCH_NAMESPACE_LABELS });
    const floorNone = await startFloorWebhook(cp, 'bench-floor-none', 'none');
    floors.push(floorNone);
    const floor = await register(cp, 'bench-floor', floorNone.url, 'bench-floor', WEBHOOK.floor, 'IfNeeded');

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
    // A configuration is effective once a pod in its namespace comes back injected (ours), or once the
    // API server counts a call to it (the floor's pods come back unchanged).
    const injectedPerPod = await waitFor(
      'the bench webhook configuration to take effect',
      async () => {
        const r = await create(ours.ns);
        return inits(r.pod) > 0 ? inits(r.pod) : undefined;
      },
      20_000,
      200,
    );
    await waitFor(
      'the floor webhook configuration to take effect',
      async () => {
        const before = await apiServerWebhookTotals(cp);
        await create(floor.ns);
        return callsBetween(before, await apiServerWebhookTotals(cp), WEBHOOK.floor).calls > 0 ? true : undefined;
      },
      20_000,
      200,
    );
    // The floor answering our own patch: what our server answers for this pod as the API server sends it.
    const reference = await create(noneNs);
    const patch = await ourPatchFor(cp, reference.pod, ours.ns, webhook.url);
    const floorPatchServer = await startFloorWebhook(cp, 'bench-floor-patch', patch);
    floors.push(floorPatchServer);
    const floorPatch = await register(
      cp,
      'bench-floor-patch',
      floorPatchServer.url,
      'bench-floor-patch',
      WEBHOOK.floorPatch,
      'Never',
    );
    await waitFor(
      'the patch-floor webhook configuration to take effect',
      async () => (inits((await create(floorPatch.ns)).pod) === injectedPerPod ? true : undefined),
      20_000,
      200,
    );

    const namespaces: Readonly<Record<Kind, string>> = {
      ours: ours.ns,
      none: noneNs,
      floor: floor.ns,
      floorPatch: floorPatch.ns,
    };
    const expected: Readonly<Record<Kind, number>> = {
      ours: injectedPerPod,
      none: 0,
      floor: 0,
      floorPatch: injectedPerPod,
    };
    const kinds: readonly Kind[] = ['ours', 'none', 'floor', 'floorPatch'];
    for (let i = 0; i < 20; i++) await Promise.all(kinds.map((k) => create(namespaces[k]))); // warm-up

    const samples: Record<Kind, number[]> = { ours: [], none: [], floor: [], floorPatch: [] };
    const errors: string[] = [];
    let errorCount = 0;
    const fail = (m: string): void => {
      errorCount += 1;
      if (errors.length < 5) errors.push(m);
    };
    const logFrom = [serveLog, floorNone.logFile, floorPatchServer.logFile].map(logOffset);
    const totalsBefore = await apiServerWebhookTotals(cp);
    const pending: Promise<void>[] = [];
    const t0 = performance.now();
    // One steady stream of rate × 4 pods/s, the kinds taking turns (the order rotated every tick, so
    // each kind follows each other equally): a burst of four at once would queue them on each other.
    const gapMs = 1000 / (rate * kinds.length);
    for (let i = 0; i < pods; i++) {
      for (let j = 0; j < kinds.length; j++) {
        const wait = t0 + (i * kinds.length + j) * gapMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const kind = kinds[(i + j) % kinds.length]!;
        pending.push(
          create(namespaces[kind]).then((r) => {
            if (r.error !== undefined) fail(`${kind}: ${r.error}`);
            else if (inits(r.pod) !== expected[kind])
              fail(`${kind}: ${inits(r.pod)} init containers, expected ${expected[kind]}`);
            samples[kind].push(r.ms);
          }),
        );
      }
    }
    await Promise.all(pending);
    const totalsAfter = await apiServerWebhookTotals(cp);
    await new Promise((r) => setTimeout(r, 500)); // the server's log writes are asynchronous
    const server = admissionsSince(serveLog, logFrom[0]!, ours.ns);
    const floorServer = admissionsSince(floorNone.logFile, logFrom[1]!);
    const floorPatchLogged = admissionsSince(floorPatchServer.logFile, logFrom[2]!);
    for (const r of [ours, floor, floorPatch]) await r.unregister();
    for (const ns of Object.values(namespaces)) await cp.coreApi.deleteNamespace({ name: ns }).catch(() => undefined);
    const view = (name: string): ApiServerCallView => {
      const c = callsBetween(totalsBefore, totalsAfter, name);
      return { callsPerPod: c.calls / pods, meanMs: c.meanMs };
    };
    const latencies = decompose({ ...samples, server, floorServer, floorPatchServer: floorPatchLogged, pods });
    return {
      version: cp.version,
      ratePerSecond: rate,
      pods,
      podsChecked: pods * kinds.length,
      ...latencies,
      overheadP50Ms: latencies.decomposition.total.p50Ms,
      overheadP99Ms: latencies.decomposition.total.p99Ms,
      apiServerView: { ours: view(WEBHOOK.ours), floor: view(WEBHOOK.floor), floorPatch: view(WEBHOOK.floorPatch) },
      injectedPerPod,
      errors: errorCount,
      errorSamples: errors,
    };
  } finally {
    for (const f of floors) await f.stop();
    await stopControlPlane();
  }
}
