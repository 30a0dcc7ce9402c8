/**
 * The express application: routes and middleware only; no listen, no globals. createApp() is what
 * tests and the golden suite drive with supertest; serve.ts uses createListener(), which sends
 * `POST /mutate` straight to the same handler and everything else through express, keeping
 * express's per-request work (prototype swaps, router walk) off the admission path
 * (docs/performance.md measures what it costs) without a second implementation of it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { mutate as engineMutate } from '../engine/index.js';
import type { MutationInput, MutationResult, PolicySet } from '../engine/types.js';
import { silentLogger, type Logger } from '../log.js';
import { readiness as evaluate, type Readiness } from './health.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { LargeLane } from './large-lane.js';
import { mutateRoute, type NamespaceLookup } from './mutate.js';
import { AdmissionRecorder } from './recorder.js';

/** What the app needs; everything but `policies` has a default suitable for tests. */
export interface AppOptions {
  /** Snapshot getter for the policy set in use (PolicyStore.current). */
  readonly policies: () => PolicySet;
  /** Namespace labels from a cache; default: unknown labels for every namespace. */
  readonly namespaces?: NamespaceLookup;
  /** The engine; tests inject a throwing one to check the 500 path. */
  readonly mutate?: (input: MutationInput) => MutationResult;
  readonly log?: Logger;
  readonly metrics?: Metrics;
  /** /readyz; default: ready with only a policy count. */
  readonly readiness?: () => Readiness;
  /** Where large reviews are answered (large-lane.ts); default: on the event loop like the rest. */
  readonly large?: LargeLane;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function defaultReadiness(policies: () => PolicySet): () => Readiness {
  return () =>
    evaluate({
      policies: () => {
        const set = policies();
        return { loaded: true, count: set.policies.length, revision: set.revision, lastError: [] };
      },
      certificate: () => ({ notAfter: '', valid: true, source: 'none (no TLS in this app)' }),
      namespaces: () => ({ source: 'none', synced: true, count: 0 }),
      draining: () => false,
    });
}

/** True for /mutate with or without a query string (the API server appends ?timeout=10s). */
export function isMutatePath(url: string | undefined): boolean {
  return url === '/mutate' || (url !== undefined && url.startsWith('/mutate?'));
}

/** Builds the app and the listener that shares its /mutate handler. */
export function createListener(options: AppOptions): { readonly app: Express; readonly listener: Listener } {
  const log = options.log ?? silentLogger();
  const metrics = options.metrics ?? createMetrics({ processMetrics: false });
  const handleMutate = mutateRoute({
    policies: options.policies,
    namespaces: options.namespaces ?? ((name) => ({ name })),
    mutate: options.mutate ?? engineMutate,
    log,
    recorder: new AdmissionRecorder(log, metrics),
    large: options.large,
  });
  const ready = options.readiness ?? defaultReadiness(options.policies);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.post('/mutate', (req: Request, res: Response) => {
    handleMutate(req, res);
  });
  app.get('/healthz', (_req: Request, res: Response) => {
    json(res, 200, { status: 'ok' });
  });
  app.get('/readyz', (_req: Request, res: Response) => {
    const r = ready();
    json(res, r.ready ? 200 : 503, r);
  });
  app.get('/metrics', (_req: Request, res: Response, next: NextFunction) => {
    metrics.registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
    }, next);
  });
  app.use((req: Request, res: Response) => {
    json(res, 404, {
      error: 'not found',
      path: req.path.slice(0, 100),
      routes: ['POST /mutate', 'GET /healthz', 'GET /readyz', 'GET /metrics'],
    });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    log.error({ err: error }, 'unhandled error in a non-admission route');
    if (!res.headersSent) json(res, 500, { error: 'internal error' });
  });

  const listener: Listener = (req, res) => {
    if (req.method === 'POST' && isMutatePath(req.url)) handleMutate(req, res);
    else app(req, res);
  };
  return { app, listener };
}

/** The express app with /mutate, /healthz, /readyz and /metrics; no listen. */
export function createApp(options: AppOptions): Express {
  return createListener(options).app;
}
