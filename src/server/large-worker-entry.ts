/**
 * The large-review worker's entry. It takes the threads that do a large review's work out of the
 * event loop's way first (thread-priority.ts: nice 19, then SCHED_IDLE) and only then loads the
 * worker (engine, policy compiler, CEL), so that even loading and compiling them yields the CPU to
 * the event loop:
 *
 *  - this thread, which parses and answers the review;
 *  - V8's background threads (`V8Worker`, one with the shipped `--v8-pool-size=1`), shared by the
 *    process: they run the garbage collectors' concurrent and parallel work for the worker's heap
 *    (megabytes per large review) as for the event loop's, and the optimizing compiler. At the
 *    ordinary priority one of them held a CPU for its whole time slice while bystanders waited;
 *    the event loop's own collections still finish on the event loop itself when the background
 *    thread gets no CPU (docs/operations.md, docs/performance.md).
 *
 * Done here, on the worker's thread, so that the event loop never waits for `chrt`. Where a step is
 * refused or `chrt` is missing, each thread keeps what it got (the deadline and the heap limit
 * bound the worker in any case); docs/operations.md says how to check.
 */
import { currentThreadId, lowerThread, threadIdsNamed } from './thread-priority.js';

const own = currentThreadId();
if (own !== undefined) lowerThread(own);
for (const tid of threadIdsNamed('V8Worker')) lowerThread(tid);

// Imported only now: a static import would be evaluated before the lines above.
await import('./large-worker.js');
