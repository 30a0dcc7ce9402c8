/**
 * The large-review worker's entry. It lowers this thread's CPU priority first and only then loads
 * the worker (engine, policy compiler, CEL), so that even loading and compiling them yields the
 * CPU to the event loop: on Linux a thread is a task with its own id (/proc/thread-self), and
 * setpriority on it lowers only this thread. Elsewhere, or where the call is refused, the worker
 * runs at the process's priority (the deadline and the heap limit still bound it).
 */
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';

try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, constants.priority.PRIORITY_LOW);
} catch {
  // not Linux, or not allowed
}

// Imported only now: a static import would be evaluated before the lines above.
await import('./large-worker.js');
