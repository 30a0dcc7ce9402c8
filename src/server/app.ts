/**
 * The request listener of the admission port: what `serve` gives to its HTTPS server, and what the
 * HTTP tests drive with supertest. `POST /mutate` goes straight to the admission handler; every
 * other request goes through a small express app (/healthz, /readyz, /metrics and the JSON 404).
 * Express's per-request work (prototype swaps, router walk) stays off the admission path
 * (docs/performance.md measures what it costs). No listen and no globals here.
 */
import type { RequestListener, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { mutate as engineMutate } from '../engine/index.js';
import type { MutationInput, MutationResult, PolicySet } from '../engine/types.js';
import { silentLogger, type Logger } from '../log.js';
import { readiness as evaluate, type Readiness } from './health.js';
import { createMetrics, type Metrics } from './metrics.js';
import { serveMetrics } from './metrics-route.js';
import type { LargeLane } from './large-lane.js';
import { mutateRoute, type NamespaceLookup } from './mutate.js';
import { isMutatePath } from './mutate-path.js';
import { AdmissionRecorder } from './recorder.js';

/** What the listener needs; everything but `policies` has a default suitable for tests. */
export interface ListenerOptions {
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
  /** True once shutdown has begun: every answer then carries `Connection: close`; default: never. */
  readonly draining?: () => boolean;
}

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
        return { count: set.policies.length, revision: set.revision, lastError: [] };
      },
      certificate: () => ({ notAfter: '', valid: true, source: 'none (no TLS in this app)' }),
      namespaces: () => ({ source: 'none', synced: true, count: 0 }),
      draining: () => false,
    });
}

/** The express app for everything but admissions: the probes, /metrics, the JSON 404. */
function otherRoutes(log: Logger, metrics: Metrics, ready: () => Readiness): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/healthz', (_req: Request, res: Response) => {
    json(res, 200, { status: 'ok' });
  });
  app.get('/readyz', (_req: Request, res: Response) => {
    const r = ready();
    json(res, r.ready ? 200 : 503, r);
  });
  app.get('/metrics', (_req: Request, res: Response, next: NextFunction) => {
    serveMetrics(metrics, res, next);
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
  return app;
}

/** Builds the admission port's request listener. */
export function createListener(options: ListenerOptions): RequestListener {
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
  const app = otherRoutes(log, metrics, options.readiness ?? defaultReadiness(options.policies));
  const draining = options.draining ?? (() => false);
  return (req, res) => {
    if (draining()) res.setHeader('connection', 'close');
    if (req.method === 'POST' && isMutatePath(req.url)) handleMutate(req, res);
    else app(req, res);
  };
}
