/**
 * Namespace labels for namespaceSelector and CEL's namespaceObject: the only module that reads the
 * Kubernetes API, and only through an informer (list + watch, cached). The request path calls
 * `lookup()`, a Map read; it never makes an API call. Three sources: the informer, a YAML file
 * (`--namespace-labels`, for local runs and tests), or none (namespaceSelector cannot match).
 */
import { readFile } from 'node:fs/promises';
import { CoreV1Api, makeInformer, type V1Namespace } from '@kubernetes/client-node';
import { serverKubeConfig } from './kubeconfig.js';
import { CORE_SCHEMA, load } from 'js-yaml';
import type { NamespaceInfo } from '../engine/types.js';
import { NamespaceLabelsError } from '../errors.js';
import { watchFiles } from './file-watch.js';
import { restartAfterErrors } from './informer-restart.js';
import { labelValueProblem, qualifiedNameProblem } from './names.js';

/** /readyz detail for the namespace source. */
export interface NamespaceStatus {
  readonly source: 'informer' | 'file' | 'none';
  readonly synced: boolean;
  readonly count: number;
  readonly detail?: string;
  readonly lastError?: string;
}

/** Where namespace labels come from; `lookup` is cheap and synchronous. */
export interface NamespaceSource {
  lookup(name: string): NamespaceInfo;
  status(): NamespaceStatus;
  /** File: first load (throws NamespaceLabelsError). Informer: starts list+watch, does not wait for sync. */
  start(): Promise<void>;
  stop(): void;
}

/** Events worth a log line. */
export type NamespaceEvent =
  | { readonly type: 'synced' | 'reloaded'; readonly count: number }
  | { readonly type: 'error'; readonly message: string };

function infoOf(name: string, labels: Readonly<Record<string, string>>, object: unknown): NamespaceInfo {
  return Object.freeze({ name, labels: Object.freeze(labels), object });
}

/** No source: every lookup has unknown labels, so namespaceSelector never matches (the engine says why). */
export function noNamespaceSource(): NamespaceSource {
  const detail =
    'no kubeconfig, no in-cluster config and no --namespace-labels: policies with a namespaceSelector cannot match';
  return {
    lookup: (name) => ({
      name,
      unknownWhy: 'the webhook has no namespace source (no kubeconfig, no in-cluster config, no --namespace-labels)',
    }),
    status: () => ({ source: 'none', synced: true, count: 0, detail }),
    start: () => Promise.resolve(),
    stop: () => undefined,
  };
}

/** Why `key: value` is not a Kubernetes label, or undefined when it is. */
export function labelProblem(key: string, value: string): string | undefined {
  const k = qualifiedNameProblem(key);
  if (k) return `label key ${k}`;
  return labelValueProblem(value);
}

/** Parses the --namespace-labels YAML: a map of namespace name to a map of label name to string value. */
export function parseNamespaceLabels(text: string, file: string): Map<string, NamespaceInfo> {
  let doc: unknown;
  try {
    doc = load(text, { schema: CORE_SCHEMA, filename: file });
  } catch (e) {
    throw new NamespaceLabelsError(`${file}: ${(e as Error).message}`, { cause: e });
  }
  const out = new Map<string, NamespaceInfo>();
  if (doc === null || doc === undefined) return out;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new NamespaceLabelsError(
      `${file}: expected a map of namespace name to labels, e.g. "payments: {tier: backend}"`,
    );
  }
  for (const [name, labels] of Object.entries(doc)) {
    if (labels !== null && (typeof labels !== 'object' || Array.isArray(labels))) {
      throw new NamespaceLabelsError(
        `${file}: ${name}: expected a map of label name to value, e.g. "${name}: {tier: backend}"`,
      );
    }
    const map: Record<string, string> = {};
    for (const [key, value] of Object.entries((labels ?? {}) as Record<string, unknown>)) {
      // As kubectl reads a Namespace: a label value is a string; `tier: 5` or `pci: true` is not.
      if (typeof value !== 'string') {
        const hint =
          typeof value === 'number' || typeof value === 'boolean' ? `; quote it: ${key}: "${String(value)}"` : '';
        throw new NamespaceLabelsError(`${file}: ${name}.${key}: a label value must be a string${hint}`);
      }
      const problem = labelProblem(key, value);
      if (problem) throw new NamespaceLabelsError(`${file}: ${name}.${key}: ${problem}`);
      Object.defineProperty(map, key, { value, enumerable: true, writable: false });
    }
    const object = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: map } };
    out.set(name, infoOf(name, map, object));
  }
  return out;
}

/** Quiet time after the last event for the labels file before it is re-read. */
const RELOAD_DEBOUNCE_MS = 100;

/** The --namespace-labels FILE source, re-read when the file changes (directory watch + poll). */
export function fileNamespaceSource(
  file: string,
  onEvent: (e: NamespaceEvent) => void = () => undefined,
  pollMs = 5_000,
): NamespaceSource {
  let table = new Map<string, NamespaceInfo>();
  let lastText = '';
  let lastError: string | undefined;
  let stopWatching: (() => void) | undefined;
  const reload = async (): Promise<void> => {
    try {
      const text = await readFile(file, 'utf8');
      if (text === lastText) return;
      table = parseNamespaceLabels(text, file);
      lastText = text;
      lastError = undefined;
      onEvent({ type: 'reloaded', count: table.size });
    } catch (e) {
      const message = e instanceof NamespaceLabelsError ? e.message : `${file}: ${(e as Error).message}`;
      if (message !== lastError) onEvent({ type: 'error', message });
      lastError = message; // keep the last good table
    }
  };
  return {
    lookup: (name) =>
      table.get(name) ?? {
        name,
        unknownWhy: `namespace ${name} is not in the --namespace-labels file ${file}; add it there`,
      },
    status: () => ({
      source: 'file',
      synced: true,
      count: table.size,
      ...(lastError !== undefined ? { lastError } : {}),
    }),
    async start() {
      const text = await readFile(file, 'utf8').catch((e: unknown) => {
        throw new NamespaceLabelsError(`--namespace-labels: cannot read ${file}: ${(e as Error).message}`, {
          cause: e,
        });
      });
      table = parseNamespaceLabels(text, file);
      lastText = text;
      // One read per burst (an editor or kubelet writes in several steps). Events for other files
      // in the directory are ignored: a log written per admission next to the labels file once
      // made it re-read per write, about 8 % of server CPU under load.
      stopWatching = watchFiles([file], reload, { debounceMs: RELOAD_DEBOUNCE_MS, pollMs });
    },
    stop() {
      stopWatching?.();
    },
  };
}

/** An error of the Kubernetes client as one line: fetch() says only "fetch failed", the reason
 * (ECONNREFUSED, a certificate error, a name that does not resolve) is in its cause. */
export function describeClientError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const cause = e instanceof Error ? (e.cause as (Error & { code?: string }) | undefined) : undefined;
  const why =
    cause === undefined
      ? ''
      : ` (${[cause.code, cause.message].filter((x) => x !== undefined && x !== '').join(': ')})`;
  return `${message}${why}`;
}

/** An informer error as one line that says which server and why. */
export function listError(e: unknown, server: string): string {
  return `cannot list or watch namespaces at ${server}: ${describeClientError(e)}`;
}

/** Options for the informer source: which kubeconfig, and how long to wait before re-listing after an error. */
export interface InformerOptions {
  readonly kubeconfig?: string;
  readonly retryMs?: number;
}

/**
 * A cached Namespace as the engine sees it: its labels, and the object CEL's namespaceObject gets,
 * as wire-shaped JSON (timestamps as strings, no model classes). Listed objects come through
 * client-node's ObjectSerializer (Date), watch events as raw JSON (string): both end as a string.
 */
function namespaceInfoOf(ns: V1Namespace): NamespaceInfo | undefined {
  const m = ns.metadata;
  const name = m?.name;
  if (name === undefined) return undefined;
  const created: unknown = m?.creationTimestamp;
  const creationTimestamp =
    created instanceof Date ? created.toISOString() : typeof created === 'string' ? created : undefined;
  const object = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid: m?.uid, labels: m?.labels ?? {}, annotations: m?.annotations ?? {}, creationTimestamp },
    status: { phase: ns.status?.phase },
  };
  return infoOf(name, { ...(m?.labels ?? {}) }, object);
}

/**
 * A Namespace informer (list + watch). Not synced until the first list completes; after an error
 * it keeps the cached namespaces and restarts list+watch after `retryMs` (client-node's ListWatch
 * stops on errors other than 410 Gone and timeouts).
 */
export function informerNamespaceSource(
  options: InformerOptions,
  onEvent: (e: NamespaceEvent) => void = () => undefined,
): NamespaceSource {
  const kc = serverKubeConfig(options.kubeconfig);
  const api = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer<V1Namespace>(kc, '/api/v1/namespaces', () => api.listNamespace());
  const table = new Map<string, NamespaceInfo>();
  let synced = false;
  let lastError: string | undefined;
  const put = (ns: V1Namespace): void => {
    const info = namespaceInfoOf(ns);
    if (info) table.set(info.name, info);
  };
  // A throw inside an informer callback would be an uncaught exception that ends the process.
  const safePut = (ns: V1Namespace): void => {
    try {
      put(ns);
    } catch (e) {
      onEvent({ type: 'error', message: `namespace ${ns.metadata?.name ?? '?'} skipped: ${(e as Error).message}` });
    }
  };
  informer.on('add', safePut);
  informer.on('update', safePut);
  informer.on('delete', (ns) => table.delete(ns.metadata?.name ?? ''));
  const server = kc.getCurrentCluster()?.server ?? 'the API server';
  informer.on('error', (e: unknown) => {
    lastError = listError(e, server);
    onEvent({ type: 'error', message: lastError });
  });
  const begin = async (): Promise<void> => {
    try {
      await informer.start(); // resolves once the first list is in the cache and the watch is open
    } catch {
      return; // reported through 'error'
    }
    if (!synced && listed(informer)) {
      synced = true;
      lastError = undefined;
      onEvent({ type: 'synced', count: table.size });
    }
  };
  const restarts = restartAfterErrors(informer, options.retryMs ?? 5_000, begin);
  return {
    lookup: (name) =>
      table.get(name) ?? {
        name,
        unknownWhy: synced
          ? 'the namespace is not (yet) in the cache of namespaces the webhook watches'
          : 'the webhook has not yet listed the namespaces of the cluster',
      },
    status: () => ({
      source: 'informer',
      synced,
      count: table.size,
      ...(synced ? {} : { detail: 'waiting for the first list of namespaces' }),
      ...(lastError !== undefined ? { lastError } : {}),
    }),
    start() {
      void begin();
      return Promise.resolve();
    },
    stop() {
      restarts.stop();
      void informer.stop();
    },
  };
}

/** The list succeeded when the informer has a resourceVersion (a failed list leaves it empty). */
export function listed(informer: object): boolean {
  const rv = (informer as { latestResourceVersion?: () => string }).latestResourceVersion;
  return typeof rv === 'function' ? rv.call(informer) !== '' : true;
}
