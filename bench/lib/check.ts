/**
 * Every response the bench receives is checked, so a fast wrong answer can never look like a win:
 * HTTP 2xx, an admission.k8s.io/v1 AdmissionReview, the request's uid echoed, allowed, and a
 * base64 JSONPatch that decodes and applies (fast-json-patch, validating) to the request's pod and
 * adds init containers. A patch is verified in full once; later responses carrying the very same
 * patch string for the same pod only need the cheap checks (the uid differs per request).
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { Pod } from '../../src/kube/wire.js';

const { applyPatch, deepClone } = jsonpatch;

/** What was sent, to check the answer against. */
export interface SentRequest {
  readonly uid: string;
  readonly pod: Pod;
  /** How many init containers the policies add to this pod (0: the response must carry no patch). */
  readonly expectInitContainers: number;
}

/** Checks one response; returns undefined when it is right, else a sentence saying what is wrong. */
export function checkResponse(
  status: number,
  body: string,
  sent: SentRequest,
  verified?: Set<string>,
): string | undefined {
  if (status < 200 || status > 299) return `HTTP ${status}: ${body.slice(0, 200)}`;
  let review: unknown;
  try {
    review = JSON.parse(body);
  } catch {
    return `response is not JSON: ${body.slice(0, 120)}`;
  }
  if (typeof review !== 'object' || review === null) return 'response is not an object';
  const r = review as Record<string, unknown>;
  if (r['apiVersion'] !== 'admission.k8s.io/v1' || r['kind'] !== 'AdmissionReview') {
    return `not an admission.k8s.io/v1 AdmissionReview (apiVersion ${String(r['apiVersion'])}, kind ${String(r['kind'])})`;
  }
  const raw: unknown = r['response'];
  if (typeof raw !== 'object' || raw === null) return 'no response field';
  const response = raw as Record<string, unknown>;
  if (response['uid'] !== sent.uid) return `uid not echoed: sent ${sent.uid}, got ${String(response['uid'])}`;
  if (response['allowed'] !== true) return `not allowed: ${JSON.stringify(response['status'])}`;
  const patch = response['patch'];
  if (sent.expectInitContainers === 0) {
    return patch === undefined ? undefined : 'a patch was returned where none was expected';
  }
  if (typeof patch !== 'string' || patch === '') return 'no patch, but the policies inject into this pod';
  if (response['patchType'] !== 'JSONPatch') return `patchType is ${String(response['patchType'])}, not JSONPatch`;
  if (verified?.has(patch) === true) return undefined;
  const problem = verifyPatch(patch, sent);
  if (problem === undefined) verified?.add(patch);
  return problem;
}

/** Decodes a base64 JSONPatch and applies it (validating) to a copy of the pod. */
export function verifyPatch(patch: string, sent: SentRequest): string | undefined {
  let ops: Operation[];
  try {
    const decoded = Buffer.from(patch, 'base64').toString('utf8');
    if (Buffer.from(decoded, 'utf8').toString('base64') !== patch) return 'patch is not canonical base64';
    ops = JSON.parse(decoded) as Operation[];
  } catch (e) {
    return `patch does not decode to JSON: ${(e as Error).message}`;
  }
  if (!Array.isArray(ops)) return 'patch is not a JSON array of operations';
  let mutated: Pod;
  try {
    mutated = applyPatch(deepClone(sent.pod) as Pod, ops, true, false).newDocument;
  } catch (e) {
    return `patch does not apply to the request's pod: ${(e as Error).message}`;
  }
  const before = sent.pod.spec?.initContainers?.length ?? 0;
  const after = mutated.spec?.initContainers?.length ?? 0;
  if (after - before !== sent.expectInitContainers) {
    return `patch adds ${after - before} init containers, expected ${sent.expectInitContainers}`;
  }
  return undefined;
}

/** Counts errors and keeps the first few messages, for the run's verdict. */
export class ErrorTally {
  count = 0;
  checked = 0;
  readonly samples: string[] = [];
  /** Patches already verified in full, per pod (a patch right for one pod may not be for another). */
  private readonly verified = new Map<Pod, Set<string>>();

  /** Checks one response and records the outcome. */
  record(status: number, body: string, sent: SentRequest): void {
    this.checked += 1;
    let seen = this.verified.get(sent.pod);
    if (seen === undefined) this.verified.set(sent.pod, (seen = new Set()));
    const problem = checkResponse(status, body, sent, seen);
    if (problem !== undefined) this.fail(problem);
  }

  /** Records a failure that is not a bad response (connection error, timeout). */
  fail(message: string, times = 1): void {
    this.count += times;
    if (this.samples.length < 5 && !this.samples.includes(message)) this.samples.push(message);
  }
}
