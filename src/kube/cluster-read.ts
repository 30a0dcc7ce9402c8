/**
 * Reads for the CLI's live commands (explain, status): one client from a kubeconfig, namespaces with
 * their labels, and paged lists of pods and their owners. Every list is paged (`limit`/`continue`),
 * so memory and request size stay bounded on large clusters; nothing is read per pod.
 */
import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { NamespaceInfo } from '../engine/types.js';
import { describeClientError } from './namespaces.js';

/** The API clients of one kubeconfig. */
export interface Cluster {
  readonly server: string;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;
}

/** A client from `--kubeconfig FILE`, else KUBECONFIG / ~/.kube/config, as kubectl finds it. */
export function connect(kubeconfig: string | undefined): Cluster {
  const kc = new KubeConfig();
  if (kubeconfig === undefined) kc.loadFromDefault();
  else kc.loadFromFile(kubeconfig);
  return {
    server: kc.getCurrentCluster()?.server ?? '(no server in the kubeconfig)',
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}

/** connect(), or why the kubeconfig cannot be loaded (one line naming the file's problem). */
export function tryConnect(kubeconfig: string | undefined): Cluster | { readonly error: string } {
  try {
    return connect(kubeconfig);
  } catch (error) {
    return { error: `cannot load the kubeconfig: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Items per list page. */
export const PAGE = 500;

/** The paging parameters of one list call. */
export type Page = { limit: number } | { limit: number; _continue: string };

/** Calls `visit` on every item of a paged list call as its page arrives; pages are not kept. */
export async function listEach<T>(
  page: (params: Page) => Promise<{ items: T[]; metadata?: { _continue?: string } }>,
  visit: (item: T) => void,
): Promise<void> {
  let cont: string | undefined;
  do {
    const res = await page(cont === undefined ? { limit: PAGE } : { limit: PAGE, _continue: cont });
    for (const item of res.items) visit(item);
    cont = res.metadata?._continue;
  } while (cont !== undefined && cont !== '');
}

/** Every item of a paged list call, each mapped as its page arrives. */
export async function listAll<T, R>(
  page: (params: Page) => Promise<{ items: T[]; metadata?: { _continue?: string } }>,
  map: (item: T) => R,
): Promise<R[]> {
  const all: R[] = [];
  await listEach(page, (item) => all.push(map(item)));
  return all;
}

/** The engine's view of a namespace from its object (labels and the object CEL sees). */
export function namespaceFromObject(object: {
  metadata?: { name?: string; labels?: Record<string, string> };
}): NamespaceInfo {
  const name = object.metadata?.name ?? '';
  const labels = { ...object.metadata?.labels };
  return { name, labels, object: { apiVersion: 'v1', kind: 'Namespace', metadata: { ...object.metadata, labels } } };
}

/** An API error as one line: the status and message the API server sent, or why it was not reached. */
export function apiErrorLine(error: unknown, server: string): string {
  const body = (error as { body?: unknown }).body;
  const code = (error as { code?: unknown }).code;
  const status = typeof code === 'number' ? `${String(code)} ` : '';
  if (typeof body === 'string' && body.startsWith('{')) {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message !== undefined) return `${server}: ${status}${parsed.message}`;
    } catch {
      // not JSON after all
    }
  }
  return `${server}: ${describeClientError(error)}`;
}

/**
 * A client-node model as the wire JSON the engine reads (what an admission request carries): the
 * models use the wire field names, so a JSON round trip only turns Dates back into strings and
 * drops the undefined members.
 */
export function wireJson(model: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
}

/** The InjectionPolicy resource (deploy/crds/). */
export const POLICY_RESOURCE = { group: 'init-injector.io', version: 'v1alpha1', plural: 'injectionpolicies' } as const;
/** Its full name, as kubectl writes it: injectionpolicies.init-injector.io. */
export const POLICY_RESOURCE_NAME = `${POLICY_RESOURCE.plural}.${POLICY_RESOURCE.group}`;

/** Every InjectionPolicy object of the cluster, or why they could not be read (one line). */
export async function readInjectionPolicies(
  kubeconfig: string | undefined,
): Promise<Record<string, unknown>[] | { readonly error: string }> {
  const cluster = tryConnect(kubeconfig);
  if ('error' in cluster) return cluster;
  try {
    return await listInjectionPolicies(cluster);
  } catch (error) {
    return { error: `cannot list InjectionPolicies: ${apiErrorLine(error, cluster.server)}` };
  }
}

/** Every InjectionPolicy object of the cluster (init-injector.io/v1alpha1), as wire JSON, paged. */
export function listInjectionPolicies(c: Cluster): Promise<Record<string, unknown>[]> {
  // A custom object list is untyped JSON: its continue token is metadata.continue.
  const page = async (
    params: Page,
  ): Promise<{ items: Record<string, unknown>[]; metadata: { _continue?: string } }> => {
    const list = (await c.custom.listClusterCustomObject({ ...POLICY_RESOURCE, ...params })) as {
      items?: Record<string, unknown>[];
      metadata?: { continue?: string };
    };
    const cont = list.metadata?.continue;
    return { items: list.items ?? [], metadata: cont === undefined ? {} : { _continue: cont } };
  };
  return listAll(page, (o) => o);
}
