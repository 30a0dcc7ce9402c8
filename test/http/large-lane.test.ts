// The large-review lane on its own: a real worker thread, real policies. It answers as the event
// loop would, and denies (with the request's uid, never allows) what it cannot evaluate: past its
// deadline, past its heap, or while another large review holds it.
import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mutate } from '../../src/engine/index.js';
import type { PolicySet } from '../../src/engine/types.js';
import { decodeReview } from '../../src/kube/admission.js';
import { silentLogger } from '../../src/log.js';
import { loadPolicies } from '../../src/policy/load.js';
import { admitRequest, type Answer } from '../../src/server/admit.js';
import type { Body } from '../../src/server/body.js';
import { LargeLane, peekUid } from '../../src/server/large-lane.js';
import { threadIdsNamed } from '../../src/server/thread-priority.js';
import { manyAnnotationsPod, NOISY_POLICIES } from '../../fixtures/hostile-pods.js';
import { podCreateReview } from '../../fixtures/review.js';
import { SCHED_IDLE, threadState } from '../support/threads.js';

interface Out {
  response?: { uid?: string; allowed?: boolean; patch?: string; status?: { code?: number; message?: string } };
}
const text = (a: Answer): string => (typeof a.text === 'string' ? a.text : Buffer.from(a.text).toString('utf8'));
const parse = (a: Answer): Out => JSON.parse(text(a)) as Out;
const lookup = (name: string) => ({ name, labels: {} });

/**
 * The threads of this process named `name` (worker threads are `WorkerThread`, V8's background
 * threads `V8Worker`) that run at nice 19 under SCHED_IDLE.
 */
function idleThreadIds(name = 'WorkerThread'): string[] {
  return readdirSync('/proc/self/task').filter((tid) => {
    const state = threadState(tid);
    return state?.name === name && state.nice === 19 && state.policy === SCHED_IDLE;
  });
}

/** Polls (every 50 ms, at most 5 s) until `done` holds for the idle threads' ids; returns the last ids. */
async function idleThreadsUntil(done: (ids: string[]) => boolean, name?: string): Promise<string[]> {
  let ids = idleThreadIds(name);
  for (let i = 0; i < 100 && !done(ids); i++) {
    await new Promise((r) => setTimeout(r, 50));
    ids = idleThreadIds(name);
  }
  return ids;
}

describe('large-review lane: a worker thread with a deadline and a heap of its own', function () {
  this.timeout(60_000);
  let dir: string;
  let policies: PolicySet;
  const bytes = (uid: string, annotations = 20_000): Buffer =>
    Buffer.from(JSON.stringify(podCreateReview(manyAnnotationsPod(annotations), { uid })));
  const body = (uid: string, annotations = 20_000): Body => {
    const b = bytes(uid, annotations);
    return { chunks: [b], length: b.length };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'init-injector-lane-'));
    mkdirSync(join(dir, 'p'));
    for (const [f, t] of Object.entries(NOISY_POLICIES)) writeFileSync(join(dir, 'p', f), t);
    const r = await loadPolicies([join(dir, 'p')]);
    if (!r.ok) throw new Error('policies do not load');
    policies = r.value;
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes only bodies over its threshold', () => {
    const lane = new LargeLane({ log: silentLogger(), thresholdBytes: 1000 });
    deepStrictEqual([lane.takes(1000), lane.takes(1001)], [false, true]);
  });

  it('answers byte for byte as the event loop does', async () => {
    const lane = new LargeLane({ log: silentLogger() });
    try {
      const b = bytes('lane-same');
      const request = decodeReview(JSON.parse(b.toString('utf8')));
      const onLoop = admitRequest(request, { policies, namespace: lookup('default'), mutate });
      const inWorker = await lane.admit({ chunks: [b], length: b.length }, policies, lookup);
      equal(b.byteLength, 0, 'the body is moved to the worker, not copied');
      equal(text(inWorker), text(onLoop));
      deepStrictEqual(inWorker.record, onLoop.record);
      equal(parse(inWorker).response?.allowed, true);
    } finally {
      await lane.close();
    }
  });

  it('moves the chunks that are all of their memory, copies the others, and answers the joined body', async () => {
    const lane = new LargeLane({ log: silentLogger() });
    try {
      const b = bytes('lane-chunks');
      // As a TLS connection delivers a body: 16 KiB chunks, each its own memory...
      const chunks: Buffer[] = [];
      for (let at = 0; at < b.length - 100; at += 16_384) {
        const own = Buffer.from(new ArrayBuffer(Math.min(16_384, b.length - 100 - at)));
        b.copy(own, 0, at, at + own.length);
        chunks.push(own);
      }
      // ...and a last one that is a slice of memory holding other bytes too.
      const shared = Buffer.alloc(1000, 0x78);
      b.copy(shared, 200, b.length - 100);
      const tail = shared.subarray(200, 300);
      chunks.push(tail);
      const answer = await lane.admit({ chunks, length: b.length }, policies, lookup);
      equal(parse(answer).response?.uid, 'lane-chunks');
      equal(parse(answer).response?.allowed, true);
      ok(
        chunks.slice(0, -1).every((c) => c.byteLength === 0),
        'every chunk with memory of its own is moved',
      );
      equal(tail.byteLength, 100, 'the slice is copied; the memory it shares stays');
      equal(shared.toString('latin1', 0, 200), 'x'.repeat(200));
    } finally {
      await lane.close();
    }
  });

  it('denies, with the request uid, a review not answered within its deadline', async () => {
    const lane = new LargeLane({ log: silentLogger(), deadlineMs: 1 });
    try {
      const a = await lane.admit(body('lane-deadline'), policies, lookup);
      const r = parse(a).response ?? {};
      equal(r.uid, 'lane-deadline');
      equal(r.allowed, false);
      match(r.status?.message ?? '', /not evaluated within 1 ms/);
      equal(a.record.kind, 'refused');
    } finally {
      await lane.close();
    }
  });

  it('denies a second large review while one holds the lane, then serves the next', async () => {
    const lane = new LargeLane({ log: silentLogger(), maxInFlight: 1 });
    try {
      const [first, second] = await Promise.all([
        lane.admit(body('lane-a'), policies, lookup),
        lane.admit(body('lane-b'), policies, lookup),
      ]);
      equal(parse(first).response?.allowed, true);
      equal(parse(second).response?.uid, 'lane-b');
      match(parse(second).response?.status?.message ?? '', /other large reviews are being evaluated/);
      equal(parse(await lane.admit(body('lane-c'), policies, lookup)).response?.allowed, true);
    } finally {
      await lane.close();
    }
  });

  it('denies a review that needs more than its heap, and a new worker serves the next one', async () => {
    const lane = new LargeLane({ log: silentLogger(), heapMiB: 4 });
    try {
      const a = await lane.admit(body('lane-heap', 200_000), policies, lookup);
      equal(parse(a).response?.allowed, false);
      equal(parse(a).response?.uid, 'lane-heap');
      ok(a.record.kind === 'refused' && a.record.cause === 'worker_exit', JSON.stringify(a.record));
    } finally {
      await lane.close();
    }
    const roomy = new LargeLane({ log: silentLogger() });
    try {
      equal(parse(await roomy.admit(body('lane-after'), policies, lookup)).response?.allowed, true);
    } finally {
      await roomy.close();
    }
  });

  it('prepare() starts the worker at nice 19 under SCHED_IDLE before any large review', async () => {
    const before = idleThreadIds().length;
    const lane = new LargeLane({ log: silentLogger() });
    try {
      lane.prepare(policies);
      const idle = (await idleThreadsUntil((ids) => ids.length > before)).length;
      equal(idle, before + 1, 'one more thread runs at nice 19 under SCHED_IDLE: the worker');
      equal(parse(await lane.admit(body('lane-prepared'), policies, lookup)).response?.allowed, true);
    } finally {
      await lane.close();
    }
  });

  it("prepare() also puts V8's background threads under SCHED_IDLE, which large reviews keep busy", async () => {
    const v8 = threadIdsNamed('V8Worker').map(String);
    ok(v8.length > 0, 'this Node names its V8 background threads V8Worker');
    const lane = new LargeLane({ log: silentLogger() });
    try {
      lane.prepare(policies);
      const idle = await idleThreadsUntil((ids) => ids.length === v8.length, 'V8Worker');
      deepStrictEqual([...idle].sort(), [...v8].sort(), 'every V8 background thread runs at nice 19 under SCHED_IDLE');
      equal(idleThreadIds('MainThread').length, 0, 'the event loop keeps its priority');
      equal(parse(await lane.admit(body('lane-v8-idle'), policies, lookup)).response?.allowed, true);
    } finally {
      await lane.close();
    }
  });

  it('starts the next worker as soon as a deadline passes, before any other large review', async () => {
    const before = idleThreadIds();
    const lane = new LargeLane({ log: silentLogger(), deadlineMs: 1 });
    try {
      lane.prepare(policies);
      const first = (await idleThreadsUntil((ids) => ids.length > before.length)).filter((t) => !before.includes(t));
      equal(first.length, 1, 'the prepared worker runs under SCHED_IDLE');
      equal(parse(await lane.admit(body('lane-expired'), policies, lookup)).response?.allowed, false);
      const after = (await idleThreadsUntil((ids) => !ids.includes(first[0]!) && ids.length > before.length)).filter(
        (t) => !before.includes(t),
      );
      equal(after.length, 1, 'a new worker runs with no large review waiting for it');
      ok(after[0] !== first[0], 'and it is not the worker that missed the deadline');
    } finally {
      await lane.close();
    }
  });

  it("reads the uid from the body's first bytes without parsing it", () => {
    equal(peekUid(body('7d2c-uid')), '7d2c-uid');
    const split = bytes('split-across-chunks');
    const at = split.indexOf('split-across') + 5;
    equal(
      peekUid({ chunks: [split.subarray(0, at), split.subarray(at)], length: split.length }),
      'split-across-chunks',
    );
    const none = Buffer.from('{"request":{"object":{}}}');
    equal(peekUid({ chunks: [none], length: none.length }), '');
  });
});
