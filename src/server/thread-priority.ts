/**
 * Lowering one thread's CPU priority, on Linux. A thread is a task with its own id
 * (/proc/self/task/<tid>), and the calls below change only that task.
 *
 *  - nice 19 (`setpriority`), which Node can do itself;
 *  - then the SCHED_IDLE policy, through util-linux's `chrt` (Node has no call for it): a thread
 *    that runs only when no ordinary thread of its scheduling group wants its CPU, and that an
 *    ordinary thread waking up preempts at once. A nice-19 thread keeps its CPU for the rest of
 *    its time slice (about a millisecond) when the event loop wakes.
 *
 * Where a step is refused or `chrt` is missing, the thread keeps what it got; elsewhere than Linux
 * nothing happens. Neither step needs a capability (lowering is always allowed).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';

/** What a thread got: SCHED_IDLE (and nice 19), nice 19 only, or nothing. */
export type Lowered = 'idle' | 'nice' | 'none';

/** The calling thread's id, or undefined where there is no /proc/thread-self (not Linux). */
export function currentThreadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** The ids of this process's threads whose name (`comm`) is `name`; [] where there is no /proc. */
export function threadIdsNamed(name: string): number[] {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  return tids.flatMap((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === name ? [Number(tid)] : [];
    } catch {
      return []; // the thread ended between the listing and the read
    }
  });
}

/** Sets thread `tid` of this process to nice 19, then to SCHED_IDLE. */
export function lowerThread(tid: number): Lowered {
  let got: Lowered = 'none';
  try {
    setPriority(tid, constants.priority.PRIORITY_LOW);
    got = 'nice';
  } catch {
    // not allowed, or the thread is gone
  }
  try {
    execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5000 });
    return 'idle';
  } catch {
    return got; // no chrt, or refused
  }
}
