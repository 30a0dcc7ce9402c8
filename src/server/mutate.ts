/**
 * POST /mutate: content type -> bounded body -> decode -> filter (only CREATE of pods) -> snapshot
 * policies and namespace -> engine -> encode -> one log line + metrics (STYLE.md §4b).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { MutationInput, MutationResult, NamespaceInfo, PolicySet } from '../engine/types.js';
import { AdmissionHttpError } from '../errors.js';
import {
  allowed,
  checkPodShape,
  decodeReview,
  denied,
  encodeReview,
  errored,
  isPodCreate,
  patched,
  type AdmissionReviewOut,
} from '../kube/admission.js';
import type { Logger } from '../log.js';
import { readJsonBody, isJsonContentType } from './body.js';
import { AdmissionRecorder } from './recorder.js';

/** Namespace labels from a cache; never calls the API server. */
export type NamespaceLookup = (name: string) => NamespaceInfo;

/** The narrow capabilities the route needs (STYLE.md rule 3). */
export interface MutateDeps {
  /** Snapshot getter: the set is taken once and kept for the whole request. */
  readonly policies: () => PolicySet;
  readonly namespaces: NamespaceLookup;
  /** The engine (src/engine mutate); replaceable so tests can force an internal error. */
  readonly mutate: (input: MutationInput) => MutationResult;
  readonly log: Logger;
  readonly recorder: AdmissionRecorder;
}

/** Builds the /mutate handler. Never rejects: every failure becomes an HTTP answer. */
export function mutateRoute(deps: MutateDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(deps, req, res);
  };
}

async function handle(deps: MutateDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const start = performance.now();
  let uid = '';
  try {
    if (!isJsonContentType(req.headers['content-type'])) {
      const got = JSON.stringify((req.headers['content-type'] ?? 'none').slice(0, 64));
      throw new AdmissionHttpError('INJ_UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got ${got}`);
    }
    const request = decodeReview(await readJsonBody(req));
    uid = request.uid;
    if (!isPodCreate(request)) {
      send(res, 200, allowed(uid));
      deps.recorder.passThrough(request, start);
      return;
    }
    const pod = request.object;
    checkPodShape(pod, uid);
    const result = deps.mutate({
      pod: pod,
      namespace: deps.namespaces(request.namespace ?? ''),
      policies: deps.policies(),
      request,
    });
    const out = result.denial
      ? denied(uid, result.denial.message, result.warnings)
      : patched(uid, result.patch, result.warnings);
    send(res, 200, out);
    deps.recorder.reviewed(request, pod, result, start);
  } catch (e) {
    const error =
      e instanceof AdmissionHttpError
        ? e
        : new AdmissionHttpError('INJ_INTERNAL', 'internal error while computing the patch', uid, { cause: e });
    send(res, error.status, errored(error), error.code === 'INJ_BODY_TOO_LARGE');
    deps.recorder.failed(error, start);
  }
}

function send(res: ServerResponse, status: number, body: AdmissionReviewOut, close = false): void {
  if (res.headersSent) return;
  const json = encodeReview(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  };
  if (close) headers['connection'] = 'close';
  res.writeHead(status, headers);
  res.end(json);
}
