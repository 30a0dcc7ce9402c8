/**
 * The large-review lane. The server has one JavaScript thread, so an admission's cost is paid by
 * every admission waiting behind it. Ordinary pods make reviews of a few KiB; a review above the
 * threshold (64 KiB by default) can only come from a pod with thousands of containers,
 * annotations or env entries, and parsing, evaluating and encoding it takes milliseconds to
 * hundreds of them. Such reviews go to a worker thread of their own, at a lower CPU priority, one
 * at a time, under a deadline and a heap limit, so they never hold the event loop.
 *
 * A large review that cannot be answered in time (the deadline passed, the worker ran out of its
 * memory, or too many large reviews are already waiting) is denied, never allowed: under
 * failurePolicy Ignore an error would let the pod in without its required init containers. The
 * denial names the reason; the pod's creator retries (a controller does so on its own).
 */
import { Worker } from 'node:worker_threads';
import type { NamespaceInfo, PolicySet } from '../engine/types.js';
import { denied, encodeReview } from '../kube/admission.js';
import type { Logger } from '../log.js';
import { policySource } from '../policy/compile.js';
import type { Answer } from './admit.js';
import type { Body } from './body.js';
import type { LaneMessage, WorkerMessage } from './large-worker.js';

export interface LargeLaneOptions {
  /** Bodies larger than this many bytes take the lane (default 64 KiB). */
  readonly thresholdBytes?: number;
  /** A large review not answered within this many ms is denied (default 2000). */
  readonly deadlineMs?: number;
  /** Large reviews in the lane at once, waiting or running; one more is denied (default 2). */
  readonly maxInFlight?: number;
  /** The worker's V8 old-generation limit in MiB (default 48): a review that needs more is denied. */
  readonly heapMiB?: number;
  readonly log: Logger;
}

export const LARGE_REVIEW_BYTES = 64 * 1024;
const DEFAULT_DEADLINE_MS = 2000;
const DEFAULT_MAX_IN_FLIGHT = 1;
const DEFAULT_HEAP_MIB = 32;

type Lookup = (name: string) => NamespaceInfo;

interface Job {
  readonly resolve: (a: Answer) => void;
  readonly lookup: Lookup;
  readonly timer: NodeJS.Timeout;
  uid: string;
}

/** The worker entry next to this module: .js when built, .ts when run from source (tests, tsx). */
function workerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./large-worker-entry${ext}`, import.meta.url);
}

/** Answers large reviews in a worker thread; see the module comment. */
export class LargeLane {
  readonly #threshold: number;
  readonly #deadline: number;
  readonly #maxInFlight: number;
  readonly #heapMiB: number;
  readonly #log: Logger;
  readonly #jobs = new Map<number, Job>();
  #worker: Worker | undefined;
  /** Whether the current worker has compiled a policy set (said 'ready'). */
  #workerReady = false;
  /** The policy set of the last prepare() or admit(), for a worker started in place of another. */
  #policies: PolicySet | undefined;
  #sentRevision = '';
  #nextId = 1;
  #closed = false;

  constructor(options: LargeLaneOptions) {
    this.#threshold = options.thresholdBytes ?? LARGE_REVIEW_BYTES;
    this.#deadline = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.#maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.#heapMiB = options.heapMiB ?? DEFAULT_HEAP_MIB;
    this.#log = options.log;
  }

  /** Whether a body of `size` bytes takes this lane. */
  takes(size: number): boolean {
    return !this.#closed && size > this.#threshold;
  }

  /**
   * Starts the worker and has it compile `policies` now, at its low priority, so that the first
   * large review after start-up pays neither the thread's start nor the compilation.
   */
  prepare(policies: PolicySet): void {
    if (!this.#closed) this.#workerWith(policies);
  }

  /**
   * The answer to one large review. Never rejects. The body's chunks that are all of their memory
   * are moved to the worker (see `movable`): the caller must not use the body afterwards.
   */
  admit(body: Body, policies: PolicySet, lookup: Lookup): Promise<Answer> {
    const id = this.#nextId++;
    const uid = peekUid(body);
    if (this.#jobs.size >= this.#maxInFlight)
      return Promise.resolve(
        refusal(uid, `${String(this.#maxInFlight)} other large reviews are being evaluated`, 'busy'),
      );
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#expire(id);
      }, this.#deadline);
      this.#jobs.set(id, { resolve, lookup, timer, uid });
      const worker = this.#workerWith(policies);
      const chunks = movable(body);
      worker.postMessage(
        { type: 'job', id, chunks } satisfies LaneMessage,
        chunks.map((c) => c.buffer),
      );
    });
  }

  /** Stops the worker; later large reviews are answered on the event loop. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll('the server is shutting down', 'shutdown');
    if (worker) await worker.terminate();
  }

  /** The worker, started if need be, holding `policies` (sent when it holds another revision). */
  #workerWith(policies: PolicySet): Worker {
    this.#policies = policies;
    const worker = this.#ensureWorker();
    if (policies.revision !== this.#sentRevision) {
      this.#post(worker, { type: 'policies', source: policySource(policies) });
      this.#sentRevision = policies.revision;
    }
    return worker;
  }

  #post(worker: Worker, m: LaneMessage): void {
    worker.postMessage(m);
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(workerUrl(), {
      resourceLimits: { maxOldGenerationSizeMb: this.#heapMiB, maxYoungGenerationSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    worker.on('message', (m: WorkerMessage) => {
      this.#onMessage(worker, m);
    });
    worker.on('error', (e: Error) => {
      this.#log.warn({ err: e.message }, 'large-review worker failed; its reviews are denied, a new worker starts');
      this.#drop(worker, `the evaluation failed (${e.message})`);
    });
    worker.on('exit', () => {
      this.#drop(worker, 'the evaluation stopped');
    });
    this.#worker = worker;
    this.#workerReady = false;
    this.#sentRevision = '';
    return worker;
  }

  #onMessage(worker: Worker, m: WorkerMessage): void {
    if (m.type === 'ready') {
      if (worker !== this.#worker) return;
      this.#workerReady = true;
      if (m.error === '') this.#log.debug({ revision: m.revision }, 'large-review worker compiled the policies');
      else this.#log.warn({ revision: m.revision, err: m.error }, 'large-review worker could not compile the policies');
      return;
    }
    const job = this.#jobs.get(m.id);
    if (job === undefined) return;
    if (m.type === 'namespace') {
      job.uid = m.uid;
      this.#post(worker, { type: 'namespace', id: m.id, info: job.lookup(m.name) });
      return;
    }
    this.#finish(m.id, m.answer);
  }

  #finish(id: number, answer: Answer): void {
    const job = this.#jobs.get(id);
    if (job === undefined) return;
    this.#jobs.delete(id);
    clearTimeout(job.timer);
    job.resolve(answer);
  }

  /** The deadline of one review passed: the worker is replaced, and whatever it held is denied. */
  #expire(id: number): void {
    if (!this.#jobs.has(id)) return;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(`it was not evaluated within ${String(this.#deadline)} ms`, 'deadline');
    if (worker) void worker.terminate();
    this.#replace(true);
  }

  #drop(worker: Worker, why: string): void {
    if (this.#worker !== worker) return;
    const wasReady = this.#workerReady;
    this.#worker = undefined;
    this.#failAll(why, 'worker_exit');
    this.#replace(wasReady);
  }

  /**
   * Starts the next worker at once, compiling the last policy set, so that the next large review
   * does not pay the thread's start and the compilation inside its deadline. After a deadline
   * always; after a failure only when the failed worker had compiled its policies: one that failed
   * before that would fail again, so its replacement waits for the next large review.
   */
  #replace(eager: boolean): void {
    if (!this.#closed && eager && this.#policies !== undefined) this.#workerWith(this.#policies);
  }

  #failAll(why: string, cause: RefusalCause): void {
    for (const [id, job] of [...this.#jobs]) this.#finish(id, refusal(job.uid, why, cause));
  }
}

const UID = /"uid"\s*:\s*"([A-Za-z0-9-]{1,128})"/;

/**
 * The request uid, read from the first 4 KiB without parsing the body: the API server writes
 * `{"kind":…,"apiVersion":…,"request":{"uid":…` (its Go structs' field order), so a refusal
 * answered before the worker parsed the body still names the request it answers. '' when absent.
 */
export function peekUid(body: Body): string {
  let head = '';
  for (const chunk of body.chunks) {
    if (head.length >= 4096) break;
    head += chunk.toString('latin1', 0, Math.min(chunk.length, 4096 - head.length));
  }
  return UID.exec(head)?.[1] ?? '';
}

/**
 * The body's chunks as the worker takes them. A chunk that is all of its memory (each chunk Node's
 * HTTP parser hands on is) moves: the event loop's heap keeps nothing of it, so V8 does not count it
 * towards the event loop's next full collection as it would garbage. Any other chunk (a slice of a
 * buffer that holds other data too) is copied.
 */
function movable(body: Body): Uint8Array<ArrayBuffer>[] {
  const moved = new Set<ArrayBufferLike>();
  return body.chunks.map((chunk) => {
    const memory = chunk.buffer;
    if (
      memory instanceof ArrayBuffer &&
      chunk.byteOffset === 0 &&
      chunk.byteLength === memory.byteLength &&
      !moved.has(memory)
    ) {
      moved.add(memory);
      return new Uint8Array(memory);
    }
    return new Uint8Array(chunk);
  });
}

export type RefusalCause = 'busy' | 'deadline' | 'worker_exit' | 'shutdown';

/** A denial of a large review the lane could not evaluate. */
function refusal(uid: string, why: string, cause: RefusalCause): Answer {
  const message = `init-injector denied this pod because its admission review is too large to evaluate now: ${why}. Retry, or make the pod smaller (fewer containers, annotations or env entries)`;
  return {
    status: 200,
    text: encodeReview(denied(uid, message, [], 503)),
    close: false,
    record: { kind: 'refused', uid, cause, message },
  };
}
