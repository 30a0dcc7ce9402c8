/**
 * `serve --policy-source crd`: the policies are the cluster's InjectionPolicy objects, watched with
 * an informer. Every change rebuilds the whole set from the informer's cache, checked exactly as
 * files are but one object at a time (policy/objects.ts `settle`), and hands it to the PolicyStore:
 * an object that turns invalid keeps its last valid generation in force while the others' changes
 * take effect, and its problems show in its status, /readyz and the log.
 */
import { CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { POLICY_RESOURCE, POLICY_RESOURCE_NAME } from '../kube/cluster-read.js';
import { restartAfterErrors } from '../kube/informer-restart.js';
import { describeClientError, listed } from '../kube/namespaces.js';
import type { Loaded } from '../policy/store.js';
import { settle, type Checked, type InForce, type ObjectOutcome } from '../policy/objects.js';

export interface PolicyObjects {
  /** Lists the objects and opens the watch; rejects (naming the server and why) when the list fails. */
  start(): Promise<void>;
  /** The set the objects make now, with the problems of those held at an earlier generation (the store's loader). */
  load(): Promise<Loaded>;
  /** What the last load made of each object, with the object as the cache holds it (for status). */
  outcomes(): readonly { readonly object: KubernetesObject; readonly outcome: ObjectOutcome }[];
  /** Calls `changed` after each add, update or delete; returns the unsubscribe function. */
  subscribe(changed: () => void): () => void;
  stop(): void;
}

/** The informer-backed source, through the client configuration `kc`. */
export function policyObjects(kc: KubeConfig, retryMs = 5_000): PolicyObjects {
  const server = kc.getCurrentCluster()?.server ?? 'the API server';
  const api = kc.makeApiClient(CustomObjectsApi);
  const list = (): Promise<never> => api.listClusterCustomObject({ ...POLICY_RESOURCE }) as Promise<never>;
  const informer = makeInformer<KubernetesObject>(
    kc,
    `/apis/${POLICY_RESOURCE.group}/${POLICY_RESOURCE.version}/${POLICY_RESOURCE.plural}`,
    list,
  );
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of listeners) l();
  };
  let lastError: unknown;
  let stopped = false;
  let restarts: { stop(): void } | undefined;
  let kept: ReadonlyMap<string, InForce> = new Map();
  let checked: ReadonlyMap<string, Checked> = new Map();
  let last: ReturnType<PolicyObjects['outcomes']> = [];
  informer.on('add', notify);
  informer.on('update', notify);
  informer.on('delete', notify);
  informer.on('error', (e: unknown) => {
    lastError = e;
  });
  return {
    async start() {
      try {
        await informer.start();
      } catch (e) {
        lastError = e;
      }
      // A failed list is reported through 'error' and leaves no resourceVersion behind.
      if (!listed(informer)) {
        void informer.stop();
        const why = lastError === undefined ? 'the list returned nothing' : describeClientError(lastError);
        throw new Error(`cannot list ${POLICY_RESOURCE_NAME} at ${server}: ${why}`, { cause: lastError });
      }
      // From now on a broken watch (or a failed relist) starts again; the cache keeps serving.
      if (!stopped)
        restarts = restartAfterErrors(informer, retryMs, () => informer.start().then(notify, () => undefined));
    },
    load(): Promise<Loaded> {
      const objects = informer.list();
      const settled = settle(objects, kept, checked);
      kept = settled.kept;
      checked = settled.checked;
      const byName = new Map(objects.map((o) => [o.metadata?.name, o]));
      last = settled.outcomes.flatMap((outcome) => {
        const object = byName.get(outcome.name);
        return object === undefined ? [] : [{ object, outcome }];
      });
      return Promise.resolve({ ok: true, value: settled.set, held: settled.diagnostics });
    },
    outcomes: () => last,
    subscribe(changed) {
      listeners.add(changed);
      return () => listeners.delete(changed);
    },
    stop() {
      stopped = true;
      restarts?.stop();
      listeners.clear();
      void informer.stop();
    },
  };
}
