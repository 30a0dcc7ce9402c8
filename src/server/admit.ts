/**
 * One admission from the decoded request to the answer: filter (only CREATE of pods), pod shape,
 * engine, encode. The same code runs on the event loop for ordinary reviews and in the large-review
 * worker (large-lane.ts), so both answer byte for byte alike. What the recorder needs comes back as
 * an AdmissionRecord: plain data, so it crosses from the worker as it is.
 */
import type { MutationInput, MutationResult, NamespaceInfo, PolicySet } from '../engine/types.js';
import { AdmissionHttpError } from '../errors.js';
import {
  allowed,
  checkPodShape,
  denied,
  encodeReview,
  errored,
  isPodCreate,
  patched,
  type AdmissionRequest,
} from '../kube/admission.js';
import type { Pod } from '../kube/wire.js';

/** What the log line and the metrics of one admission need; never the pod or the patch. */
export type AdmissionRecord =
  | {
      readonly kind: 'passThrough';
      readonly uid: string;
      readonly namespace?: string | undefined;
      readonly operation?: string | undefined;
      readonly resource?: string | undefined;
    }
  | {
      readonly kind: 'reviewed';
      readonly uid: string;
      readonly namespace?: string | undefined;
      readonly podName?: string | undefined;
      readonly operation?: string | undefined;
      readonly dryRun: boolean;
      readonly outcome: 'denied' | 'patched' | 'allowed';
      readonly decisions: MutationResult['decisions'];
      readonly injected: readonly string[];
      readonly ops: number;
      readonly warnings: number;
      readonly denial?: { readonly policy: string; readonly reason: string } | undefined;
    }
  | {
      /** The client closed the connection before the body was read: nothing was answered. */
      readonly kind: 'aborted';
    }
  | {
      /** A large review the large-review lane could not evaluate in time: denied (large-lane.ts). */
      readonly kind: 'refused';
      readonly uid: string;
      readonly cause: string;
      readonly message: string;
    }
  | {
      readonly kind: 'failed';
      readonly code: AdmissionHttpError['code'];
      readonly status: number;
      readonly message: string;
      readonly uid: string;
      /** The cause of an internal error, as text (it is logged, never sent). */
      readonly cause?: string | undefined;
    };

/** The HTTP answer and its record. */
export interface Answer {
  readonly status: number;
  /** The response body: text on the event loop, bytes when it comes from the large-review worker. */
  readonly text: string | Uint8Array;
  /** Close the connection after the answer (a body too large to read to its end). */
  readonly close: boolean;
  readonly record: AdmissionRecord;
}

export interface AdmitDeps {
  readonly policies: PolicySet;
  readonly namespace: NamespaceInfo;
  readonly mutate: (input: MutationInput) => MutationResult;
}

/** Answers one decoded request; never throws (a failure is an answer too). */
export function admitRequest(request: AdmissionRequest, deps: AdmitDeps): Answer {
  const uid = request.uid;
  try {
    if (!isPodCreate(request)) {
      const record = {
        kind: 'passThrough',
        uid,
        namespace: request.namespace,
        operation: request.operation,
        resource: request.resource?.resource,
      } as const;
      return { status: 200, text: encodeReview(allowed(uid)), close: false, record };
    }
    const pod = request.object;
    checkPodShape(pod, uid);
    const result = deps.mutate({ pod, namespace: deps.namespace, policies: deps.policies, request });
    const out = result.denial
      ? denied(uid, result.denial.message, result.warnings)
      : patched(uid, result.patch, result.warnings);
    return { status: 200, text: encodeReview(out), close: false, record: reviewRecord(request, pod, result) };
  } catch (e) {
    return failure(e, uid);
  }
}

/** The answer for an error: an AdmissionHttpError as it is, anything else as INJ_INTERNAL. */
export function failure(e: unknown, uid = ''): Answer {
  const error =
    e instanceof AdmissionHttpError
      ? e
      : new AdmissionHttpError('INJ_INTERNAL', 'internal error while computing the patch', uid, { cause: e });
  const cause = error.cause === undefined ? undefined : describe(error.cause);
  return {
    status: error.status,
    text: encodeReview(errored(error)),
    close: error.code === 'INJ_BODY_TOO_LARGE',
    record: { kind: 'failed', code: error.code, status: error.status, message: error.message, uid: error.uid, cause },
  };
}

function describe(cause: unknown): string {
  return cause instanceof Error ? (cause.stack ?? `${cause.name}: ${cause.message}`) : String(cause);
}

/**
 * At most this many characters of a string the request chose (uid, namespace, pod name) reach a
 * log line: a 253-character DNS name fits, a 3 MB generateName does not fill the log.
 */
const LOGGED_CHARS = 256;

/** `text` cut to LOGGED_CHARS. */
export function cut(text: string | undefined): string | undefined {
  return text !== undefined && text.length > LOGGED_CHARS ? `${text.slice(0, LOGGED_CHARS)}…` : text;
}

/**
 * The record of a reviewed admission, its strings already cut as the log line shows them: a record
 * made in the large-review worker is copied to the event loop, and a 3 MB generateName must not be
 * copied with it.
 */
export function reviewRecord(req: AdmissionRequest, pod: Pod, result: MutationResult): AdmissionRecord {
  const meta = pod.metadata;
  return {
    kind: 'reviewed',
    uid: cut(req.uid) ?? '',
    namespace: cut(req.namespace),
    podName: cut(meta?.name ?? (meta?.generateName !== undefined ? `${meta.generateName}*` : undefined)),
    operation: cut(req.operation),
    dryRun: req.dryRun === true,
    outcome: result.denial ? 'denied' : result.patch.length > 0 ? 'patched' : 'allowed',
    decisions: result.decisions,
    injected: result.injected,
    ops: result.patch.length,
    warnings: result.warnings.length,
    denial: result.denial ? { policy: result.denial.policy, reason: result.denial.reason } : undefined,
  };
}
