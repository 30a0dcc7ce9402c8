// Lowering one thread of this process: a real worker thread, real /proc, util-linux's chrt.
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { currentThreadId, lowerThread, threadIdsNamed } from '../../src/server/thread-priority.js';
import { SCHED_IDLE, threadState } from '../support/threads.js';

describe('thread priority: one thread of the process, never the others', () => {
  it('finds the calling thread and threads by name', () => {
    equal(currentThreadId(), process.pid, "on the main thread the thread's id is the process id");
    ok(threadIdsNamed('MainThread').includes(process.pid));
    equal(threadIdsNamed('no-such-thread').length, 0);
  });

  it('puts a thread at nice 19 under SCHED_IDLE and leaves the main thread as it was', async () => {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { readlinkSync } = require('node:fs');
       parentPort.postMessage(Number(readlinkSync('/proc/thread-self').split('/').pop()));
       setInterval(() => {}, 1000);`,
      { eval: true },
    );
    try {
      const tid = await new Promise<number>((resolve) => worker.once('message', resolve));
      const main = threadState(process.pid);
      equal(lowerThread(tid), 'idle');
      equal(threadState(tid)?.nice, 19);
      equal(threadState(tid)?.policy, SCHED_IDLE);
      deepStrictEqual(threadState(process.pid), main, 'the main thread keeps its nice value and policy');
    } finally {
      await worker.terminate();
    }
  });

  it("reports 'none' for a thread that is not there", () => {
    equal(lowerThread(2 ** 22 + 7), 'none');
  });
});
