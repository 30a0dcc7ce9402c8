/**
 * The large-review worker's entry. It takes this thread out of the event loop's way first and only
 * then loads the worker (engine, policy compiler, CEL), so that even loading and compiling them
 * yields the CPU to the event loop. On Linux a thread is a task with its own id
 * (/proc/thread-self): the calls below change only this thread.
 *
 *  - nice 19 (`setpriority`), which Node can do itself;
 *  - then the SCHED_IDLE policy, through util-linux's `chrt` (Node has no call for it): a thread
 *    that runs only when no ordinary thread of the machine wants its CPU, and that an ordinary
 *    thread waking up preempts at once. A nice-19 thread keeps its CPU for the rest of its time
 *    slice (about a millisecond) when the event loop wakes; bystanders waited behind it.
 *
 * Where a step is refused or `chrt` is missing, the worker keeps what it got (the deadline and the
 * heap limit bound it in any case); docs/operations.md says how to check.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';

function lowerThisThread(): void {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return; // not Linux
  }
  if (!Number.isInteger(tid) || tid <= 0) return;
  try {
    setPriority(tid, constants.priority.PRIORITY_LOW);
  } catch {
    // not allowed: the process's priority
  }
  try {
    execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5000 });
  } catch {
    // no chrt, or refused: nice 19 only
  }
}

lowerThisThread();

// Imported only now: a static import would be evaluated before the lines above.
await import('./large-worker.js');
