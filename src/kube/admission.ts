/**
 * AdmissionReview admission.k8s.io/v1 at the edge: decode an untrusted body into a typed request,
 * and encode every answer through a closed set of constructors. Nothing else builds an
 * AdmissionResponse by hand.
 *
 * Response table (docs/operations.md has the same). The HTTP status decides whether the webhook's
 * failurePolicy applies:
 *
 *   outcome                         HTTP  allowed  status.code  failurePolicy applies?
 *   injected (patch)                200   true     -            no
 *   nothing to do / not CREATE pod  200   true     -            no
 *   required policy refuses         200   false    403          no  (a deliberate denial)
 *   malformed review                400   -        -            yes (INJ_REVIEW_INVALID)
 *   body over 7 MiB                 413   -        -            yes (INJ_BODY_TOO_LARGE)
 *   not application/json            415   -        -            yes (INJ_UNSUPPORTED_MEDIA_TYPE)
 *   internal error                  500   -        -            yes (INJ_INTERNAL; Ignore -> pod starts uninjected)
 *
 * Error bodies (4xx/5xx) are AdmissionReview-shaped with the uid when known, and never echo the request.
 */
import type { Operation } from 'fast-json-patch';
import { AdmissionHttpError } from '../errors.js';
import type { Pod } from './wire.js';
import { isRecord } from '../engine/equal.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

/** The parts of request.kind / request.resource the webhook reads. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** AdmissionRequest as received; objects stay plain JSON (no classes, no Date). */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind?: GroupVersionKind;
  readonly resource?: GroupVersionResource;
  readonly subResource?: string;
  readonly operation?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly dryRun?: boolean;
  readonly userInfo?: unknown;
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly options?: unknown;
  readonly [key: string]: unknown;
}

/** metav1.Status as carried in an AdmissionResponse. */
export interface ResponseStatus {
  readonly code: number;
  readonly message: string;
  readonly reason?: string;
  readonly status?: 'Failure';
}

/** AdmissionResponse v1: `patch` is base64 of the JSON ops; `status` only when refused or erroring. */
export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly patchType?: 'JSONPatch';
  readonly patch?: string;
  readonly status?: ResponseStatus;
  readonly warnings?: readonly string[];
}

/** The envelope sent back; apiVersion and kind must echo v1 or the API server rejects it. */
export interface AdmissionReviewOut {
  readonly apiVersion: typeof ADMISSION_API_VERSION;
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

/**
 * Checks the envelope of a parsed body and returns its request, leaving `object` untouched.
 * Throws AdmissionHttpError INJ_REVIEW_INVALID (HTTP 400) naming the first wrong field; the
 * message quotes at most a short field value, never the body.
 */
export function decodeReview(body: unknown): AdmissionRequest {
  if (!isRecord(body)) throw invalid('the body is not a JSON object');
  const apiVersion = body['apiVersion'];
  if (apiVersion !== ADMISSION_API_VERSION) {
    throw invalid(`apiVersion must be ${ADMISSION_API_VERSION}, got ${short(apiVersion)}`, uidOf(body['request']));
  }
  if (body['kind'] !== 'AdmissionReview') throw invalid(`kind must be AdmissionReview, got ${short(body['kind'])}`);
  const request = body['request'];
  if (!isRecord(request)) throw invalid('request is missing or not an object');
  const uid = request['uid'];
  if (typeof uid !== 'string' || uid === '') throw invalid('request.uid is missing or empty');
  for (const field of ['operation', 'namespace', 'name', 'subResource'] as const) {
    const v = request[field];
    if (v !== undefined && typeof v !== 'string') throw invalid(`request.${field} must be a string`, uid);
  }
  if (request['dryRun'] !== undefined && typeof request['dryRun'] !== 'boolean') {
    throw invalid('request.dryRun must be a boolean', uid);
  }
  return request as AdmissionRequest;
}

function uidOf(request: unknown): string {
  return isRecord(request) && typeof request['uid'] === 'string' ? request['uid'] : '';
}

function short(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}…` : v);
  return v === undefined ? 'nothing' : typeof v;
}

function invalid(message: string, uid = ''): AdmissionHttpError {
  return new AdmissionHttpError('INJ_REVIEW_INVALID', `invalid AdmissionReview: ${message}`, uid);
}

/**
 * Checks the shape of the fields of a pod that the engine walks, so that a pod the API server could
 * never have sent (it decodes pods into typed structs first) gets HTTP 400 naming the field instead
 * of an engine TypeError answered as 500 (found by test/reliability/review-fuzz.test.ts). Cheap: a
 * few typeof checks per container.
 */
export function checkPodShape(pod: unknown, uid: string): asserts pod is Pod {
  const bad = (path: string, expected: string): AdmissionHttpError =>
    invalid(`request.object${path} must be ${expected}`, uid);
  if (!isRecord(pod)) throw bad('', 'a Pod object');
  const meta = pod['metadata'];
  if (meta !== undefined) {
    if (!isRecord(meta)) throw bad('.metadata', 'an object');
    for (const f of ['name', 'generateName', 'namespace'] as const) {
      if (meta[f] !== undefined && typeof meta[f] !== 'string') throw bad(`.metadata.${f}`, 'a string');
    }
    for (const f of ['labels', 'annotations'] as const) {
      const m = meta[f];
      if (m === undefined || m === null) continue;
      if (!isRecord(m)) throw bad(`.metadata.${f}`, 'a map of strings');
      for (const k in m)
        if (typeof m[k] !== 'string') throw bad(`.metadata.${f}[${JSON.stringify(k.slice(0, 64))}]`, 'a string');
    }
  }
  const spec = pod['spec'];
  if (spec === undefined) return;
  if (!isRecord(spec)) throw bad('.spec', 'an object');
  if (spec['serviceAccountName'] !== undefined && typeof spec['serviceAccountName'] !== 'string') {
    throw bad('.spec.serviceAccountName', 'a string');
  }
  for (const list of ['containers', 'initContainers', 'ephemeralContainers', 'volumes'] as const) {
    const items = spec[list];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) throw bad(`.spec.${list}`, 'a list');
    for (let i = 0; i < items.length; i++) {
      const item: unknown = items[i];
      const at = `.spec.${list}[${i}]`;
      if (!isRecord(item)) throw bad(at, 'an object');
      if (item['name'] !== undefined && typeof item['name'] !== 'string') throw bad(`${at}.name`, 'a string');
      for (const sub of ['volumeMounts', 'env', 'envFrom', 'ports']) {
        const v = item[sub];
        if (v === undefined || v === null) continue;
        if (!Array.isArray(v) || !v.every(isRecord)) throw bad(`${at}.${sub}`, 'a list of objects');
      }
    }
  }
}

/** True when the request is a CREATE of core/v1 pods (not a subresource): the only thing mutated. */
export function isPodCreate(req: AdmissionRequest): boolean {
  const r = req.resource;
  return (
    req.operation === 'CREATE' &&
    r !== undefined &&
    r.resource === 'pods' &&
    r.group === '' &&
    (req.subResource === undefined || req.subResource === '')
  );
}

const review = (response: AdmissionResponse): AdmissionReviewOut => ({
  apiVersion: ADMISSION_API_VERSION,
  kind: 'AdmissionReview',
  response,
});
/** Warnings as the engine bounded them (engine/warnings.ts: within what the API server shows intact). */
const withWarnings = (warnings: readonly string[]): { warnings?: readonly string[] } =>
  warnings.length > 0 ? { warnings } : {};

/** Allowed, unchanged. */
export function allowed(uid: string, warnings: readonly string[] = []): AdmissionReviewOut {
  return review({ uid, allowed: true, ...withWarnings(warnings) });
}

/** Allowed with a JSONPatch; an empty op list is the same as allowed(). */
export function patched(uid: string, ops: readonly Operation[], warnings: readonly string[] = []): AdmissionReviewOut {
  if (ops.length === 0) return allowed(uid, warnings);
  const patch = Buffer.from(JSON.stringify(ops)).toString('base64');
  return review({ uid, allowed: true, patchType: 'JSONPatch', patch, ...withWarnings(warnings) });
}

/** A deliberate refusal: HTTP 200, allowed false, status.code 403 (or the code given). */
export function denied(uid: string, message: string, warnings: readonly string[] = [], code = 403): AdmissionReviewOut {
  return review({
    uid,
    allowed: false,
    status: { code, message, reason: 'Forbidden', status: 'Failure' },
    ...withWarnings(warnings),
  });
}

/** The JSON text of a review. */
export function encodeReview(review: AdmissionReviewOut): string {
  return JSON.stringify(review);
}

const K8S_REASON: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  500: 'InternalError',
};

/** The body of a non-200 answer: AdmissionReview-shaped so a human or the API server log can read it. */
export function errored(error: AdmissionHttpError): AdmissionReviewOut {
  const reason = K8S_REASON[error.status] ?? 'InternalError';
  const message = `${error.code}: ${error.message}`;
  return review({ uid: error.uid, allowed: false, status: { code: error.status, message, reason, status: 'Failure' } });
}
