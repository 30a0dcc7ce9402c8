/**
 * The large-review worker: a thread of its own that parses, decodes and answers the reviews too
 * large for the event loop (large-lane.ts). It runs the same admitRequest as the event loop, on a
 * PolicySet compiled from the same documents (same revision), with the namespace the main thread
 * looks up in its cache. It runs below the event loop's CPU priority (large-worker-entry.ts loads it).
 * Messages: see LaneMessage and WorkerMessage.
 */
import { parentPort } from 'node:worker_threads';
import { mutate } from '../engine/index.js';
import type { NamespaceInfo, PolicySet } from '../engine/types.js';
import { decodeReview } from '../kube/admission.js';
import { rebuildPolicySet, type PolicySource } from '../policy/compile.js';
import { admitRequest, failure, type Answer } from './admit.js';
import { parseJsonBody, wholeBody } from './body.js';

/** From the main thread. */
export type LaneMessage =
  | { readonly type: 'policies'; readonly source: PolicySource }
  | { readonly type: 'job'; readonly id: number; readonly chunks: readonly Uint8Array[] }
  | { readonly type: 'namespace'; readonly id: number; readonly info: NamespaceInfo };

/** To the main thread ('ready': the policy set of `revision` was compiled, or found invalid). */
export type WorkerMessage =
  | { readonly type: 'ready'; readonly revision: string; readonly error: string }
  | { readonly type: 'namespace'; readonly id: number; readonly uid: string; readonly name: string }
  | { readonly type: 'answer'; readonly id: number; readonly answer: Answer };

const port = parentPort;
if (port === null) throw new Error('large-worker.ts runs as a worker thread');

let policies: PolicySet | undefined;
let policyError = '';
const waiting = new Map<number, (info: NamespaceInfo) => void>();

const encoder = new TextEncoder();

/** Sends the answer; its text goes as bytes moved to the main thread, not copied. */
function answer(id: number, a: Answer): void {
  const text = typeof a.text === 'string' ? encoder.encode(a.text) : new Uint8Array(a.text);
  port?.postMessage({ type: 'answer', id, answer: { ...a, text } } satisfies WorkerMessage, [text.buffer]);
}

/** Answers one review, its body in the chunks it arrived in (joined here, off the event loop). */
async function job(id: number, chunks: readonly Uint8Array[]): Promise<void> {
  let uid = '';
  try {
    const request = decodeReview(parseJsonBody(wholeBody(chunks)));
    uid = request.uid;
    const set = policies;
    if (set === undefined) throw new Error(`no policy set in the large-review worker: ${policyError}`);
    const info = await new Promise<NamespaceInfo>((resolve) => {
      waiting.set(id, resolve);
      port?.postMessage({ type: 'namespace', id, uid, name: request.namespace ?? '' } satisfies WorkerMessage);
    });
    answer(id, admitRequest(request, { policies: set, namespace: info, mutate }));
  } catch (e) {
    answer(id, failure(e, uid));
  }
}

port.on('message', (m: LaneMessage) => {
  if (m.type === 'policies') {
    const r = rebuildPolicySet(m.source);
    if (r.ok) policies = r.value;
    else {
      policies = undefined;
      policyError = r.error.map((d) => d.message).join('; ');
    }
    port.postMessage({
      type: 'ready',
      revision: m.source.revision,
      error: r.ok ? '' : policyError,
    } satisfies WorkerMessage);
  } else if (m.type === 'job') void job(m.id, m.chunks);
  else {
    waiting.get(m.id)?.(m.info);
    waiting.delete(m.id);
  }
});
