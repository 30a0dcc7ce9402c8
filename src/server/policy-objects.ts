/**
 * `serve --policy-source crd`: the policies are the cluster's InjectionPolicy objects, watched with
 * an informer. Every change rebuilds the whole set from the informer's cache, checked exactly as
 * files are (each object is the source injectionpolicy/NAME), and hands it to the PolicyStore,
 * which swaps it in only when every object is valid: an object that turns invalid leaves the last
 * good set serving, and its problems show in /readyz and the log, as a bad file does.
 */
import { CustomObjectsApi, KubeConfig, makeInformer, type KubernetesObject } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import type { PolicySet } from '../engine/types.js';
import { describeClientError } from '../kube/namespaces.js';
import { buildPolicySet } from '../policy/compile.js';
import { err, type Diagnostic, type Result } from '../policy/diagnostics.js';
import { checkFile } from '../policy/load.js';

export const GROUP = 'init-injector.io';
export const VERSION = 'v1alpha1';
export const PLURAL = 'injectionpolicies';

/** How to reach the API server: a kubeconfig file, or the pod's service account. */
export type ClusterAccess = { readonly kind: 'kubeconfig'; readonly path: string } | { readonly kind: 'in-cluster' };

export interface PolicyObjects {
  /** Lists the objects and opens the watch; rejects (naming the server and why) when the list fails. */
  start(): Promise<void>;
  /** The set the objects make now, or every problem (the store's loader). */
  load(): Promise<Result<PolicySet, readonly Diagnostic[]>>;
  /** Calls `changed` after each add, update or delete; returns the unsubscribe function. */
  subscribe(changed: () => void): () => void;
  stop(): void;
}

/** The objects of the informer's cache as a policy set (pure apart from the compile). */
export function setFromObjects(objects: readonly KubernetesObject[]): Result<PolicySet, readonly Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  const policies = [...objects]
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
    .flatMap((o) => {
      const checked = checkFile(dump(JSON.parse(JSON.stringify(o))), `injectionpolicy/${o.metadata?.name ?? '?'}`);
      diagnostics.push(...checked.diagnostics.map((d) => ({ ...d, line: 0 })));
      return checked.policies;
    });
  if (diagnostics.length > 0) return err(diagnostics);
  return buildPolicySet(policies);
}

/** The informer-backed source. */
export function policyObjects(access: ClusterAccess, retryMs = 5_000): PolicyObjects {
  const kc = new KubeConfig();
  if (access.kind === 'in-cluster') kc.loadFromCluster();
  else kc.loadFromFile(access.path);
  const server = kc.getCurrentCluster()?.server ?? 'the API server';
  const api = kc.makeApiClient(CustomObjectsApi);
  const list = (): Promise<never> =>
    api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }) as Promise<never>;
  const informer = makeInformer<KubernetesObject>(kc, `/apis/${GROUP}/${VERSION}/${PLURAL}`, list);
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of listeners) l();
  };
  let stopped = false;
  let started = false;
  let lastError: unknown;
  let retry: NodeJS.Timeout | undefined;
  informer.on('add', notify);
  informer.on('update', notify);
  informer.on('delete', notify);
  informer.on('error', (e: unknown) => {
    lastError = e;
    if (stopped || !started) return;
    // The watch broke (or a relist failed): start again; the cache keeps serving meanwhile.
    retry = setTimeout(() => void informer.start().then(notify, () => undefined), retryMs);
    retry.unref();
  });
  return {
    async start() {
      try {
        await informer.start();
      } catch (e) {
        lastError = e;
      }
      // A failed list is reported through 'error' and leaves no resourceVersion behind.
      const rv = (informer as { latestResourceVersion?: () => string }).latestResourceVersion?.call(informer);
      if (rv === '' || rv === undefined) {
        void informer.stop();
        const why = lastError === undefined ? 'the list returned nothing' : describeClientError(lastError);
        throw new Error(`cannot list ${PLURAL}.${GROUP} at ${server}: ${why}`, { cause: lastError });
      }
      started = true;
    },
    load: () => Promise.resolve(setFromObjects(informer.list())),
    subscribe(changed) {
      listeners.add(changed);
      return () => listeners.delete(changed);
    },
    stop() {
      stopped = true;
      if (retry !== undefined) clearTimeout(retry);
      listeners.clear();
      void informer.stop();
    },
  };
}
