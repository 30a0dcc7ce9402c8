/**
 * `serve --policy-source crd`, composed: the informer over InjectionPolicy objects (policy-objects.ts)
 * feeds the PolicyStore; when a status Lease is configured, an elector (kube/lease.ts) makes one
 * replica the status writer (status-writer.ts), which writes after every reload. One client
 * configuration serves the informer, the Lease and the status writes.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { ServeConfig } from '../config.js';
import { PolicyLoadError } from '../errors.js';
import { POLICY_RESOURCE, POLICY_RESOURCE_NAME } from '../kube/cluster-read.js';
import { serverKubeConfig } from '../kube/kubeconfig.js';
import { leaseApi, leaseElector } from '../kube/lease.js';
import type { Logger } from '../log.js';
import { PolicyStore, type ReloadEvent } from '../policy/store.js';
import type { Metrics } from './metrics.js';
import { policyObjects, type PolicyObjects } from './policy-objects.js';
import { statusWriter, type StatusWriter } from './status-writer.js';

type CrdSource = Extract<ServeConfig['policySource'], { kind: 'crd' }>;

/** Opens the store over the cluster's objects; the first list must succeed, or serve does not start. */
export async function openObjectPolicies(
  source: CrdSource,
  reporter: (store: PolicyStore) => (e: ReloadEvent) => void,
  metrics: Metrics,
  log: Logger,
): Promise<{ store: PolicyStore; stop: () => Promise<void> }> {
  const kc = serverKubeConfig(source.access.kind === 'kubeconfig' ? source.access.path : undefined);
  const objects = policyObjects(kc);
  try {
    await objects.start();
  } catch (e) {
    throw new PolicyLoadError([{ file: POLICY_RESOURCE_NAME, line: 0, path: '', message: (e as Error).message }]);
  }
  const invalid = (): void => {
    metrics.policyObjectsInvalid.set(objects.outcomes().filter((o) => o.outcome.problems.length > 0).length);
  };
  const opened = await PolicyStore.open([], { load: () => objects.load() });
  if (!opened.ok) {
    objects.stop();
    throw new PolicyLoadError(opened.error);
  }
  const store = opened.value;
  const report = reporter(store);
  invalid();
  if (store.lastFailure().length > 0)
    report({
      ok: true,
      changed: false,
      revision: store.current().revision,
      diagnostics: store.lastFailure(),
      trigger: 'object',
    });

  const status =
    source.statusLease === undefined ? undefined : statusByLease(source.statusLease, kc, objects, metrics, log);
  const stopFollowing = store.follow(
    (changed) => objects.subscribe(changed),
    (e) => {
      report(e);
      invalid();
      status?.writer.poke();
    },
  );
  status?.start();
  return {
    store,
    async stop() {
      stopFollowing();
      objects.stop();
      await status?.stop();
    },
  };
}

/** The status writer of the replica holding `lease`, and the elector that decides it. */
function statusByLease(
  lease: NonNullable<CrdSource['statusLease']>,
  kc: KubeConfig,
  objects: PolicyObjects,
  metrics: Metrics,
  log: Logger,
): { writer: StatusWriter; start: () => void; stop: () => Promise<void> } {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const elector = leaseElector(leaseApi(kc, lease.namespace, lease.name), lease, {
    identity: lease.identity,
    onChange: (leading) => {
      metrics.statusLeader.set(leading ? 1 : 0);
      log.info(
        { lease: `${lease.namespace}/${lease.name}`, identity: lease.identity, leading },
        leading
          ? 'writing InjectionPolicy status (status Lease held)'
          : 'not writing InjectionPolicy status (status Lease lost or handed back)',
      );
      if (leading) writer.poke();
    },
    onError: (e) => {
      log.debug({ err: e instanceof Error ? e.message : String(e) }, 'status Lease call failed');
    },
  });
  const writer = statusWriter({
    outcomes: () => objects.outcomes(),
    isLeader: () => elector.isLeader(),
    patch: (name, body) => custom.patchClusterCustomObjectStatus({ ...POLICY_RESOURCE, name, body }, merge),
    log,
    metrics,
  });
  return {
    writer,
    start: () => {
      elector.start();
    },
    stop: async () => {
      writer.stop();
      await elector.stop();
    },
  };
}
