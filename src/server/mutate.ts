/**
 * POST /mutate: content type -> bounded body -> decode -> namespace -> admitRequest (filter, pod
 * shape, engine, encode) -> one log line + metrics. A body larger than the large-review threshold
 * is decoded and answered by the large-review worker instead (large-lane.ts), so one tenant's huge
 * pod never holds the event loop that every other admission needs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { MutationInput, MutationResult, NamespaceInfo, PolicySet } from '../engine/types.js';
import { AdmissionHttpError } from '../errors.js';
import { decodeReview } from '../kube/admission.js';
import type { Logger } from '../log.js';
import { admitRequest, failure, type Answer } from './admit.js';
import { isJsonContentType, parseJsonBody, readBody, wholeBody } from './body.js';
import type { LargeLane } from './large-lane.js';
import { AdmissionRecorder } from './recorder.js';

/** Namespace labels from a cache; never calls the API server. */
export type NamespaceLookup = (name: string) => NamespaceInfo;

/** The narrow capabilities the route needs. */
export interface MutateDeps {
  /** Snapshot getter: the set is taken once and kept for the whole request. */
  readonly policies: () => PolicySet;
  readonly namespaces: NamespaceLookup;
  /** The engine (src/engine mutate); replaceable so tests can force an internal error. */
  readonly mutate: (input: MutationInput) => MutationResult;
  readonly log: Logger;
  readonly recorder: AdmissionRecorder;
  /** Where bodies over its threshold are answered; absent: every body on the event loop. */
  readonly large?: LargeLane | undefined;
}

/** Builds the /mutate handler. Never rejects: every failure becomes an HTTP answer. */
export function mutateRoute(deps: MutateDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(deps, req, res);
  };
}

async function handle(deps: MutateDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const start = performance.now();
  let answer: Answer;
  try {
    if (!isJsonContentType(req.headers['content-type'])) {
      const got = JSON.stringify((req.headers['content-type'] ?? 'none').slice(0, 64));
      throw new AdmissionHttpError('INJ_UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got ${got}`);
    }
    const body = await readBody(req);
    const policies = deps.policies();
    if (deps.large?.takes(body.length)) answer = await deps.large.admit(body, policies, deps.namespaces);
    else {
      const request = decodeReview(parseJsonBody(wholeBody(body.chunks, body.length)));
      const namespace = deps.namespaces(request.namespace ?? '');
      answer = admitRequest(request, { policies, namespace, mutate: deps.mutate });
    }
  } catch (e) {
    if (clientGone(req, e)) {
      deps.recorder.record({ kind: 'aborted' }, start);
      return;
    }
    answer = failure(e);
  }
  send(res, answer);
  deps.recorder.record(answer.record, start);
}

/**
 * The client went away while its body was being read (Node reports `aborted`, ECONNRESET): there is
 * no one to answer, and it is not our failure, so it is neither a 500 nor an error-level line.
 */
function clientGone(req: IncomingMessage, e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return req.destroyed && (code === 'ECONNRESET' || (e instanceof Error && e.message === 'aborted'));
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent) return;
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(answer.text),
  };
  if (answer.close) headers['connection'] = 'close';
  res.writeHead(answer.status, headers);
  res.end(answer.text);
}
