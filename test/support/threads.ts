// What the kernel says of one thread of this process: its name, nice value and scheduling policy.
import { readFileSync } from 'node:fs';

/** The scheduling policy number of SCHED_IDLE (field 41 of a thread's stat). */
export const SCHED_IDLE = 5;

/**
 * Name (field 2), nice value (field 19) and policy (field 41) of thread `tid` of this process, from
 * /proc/self/task/<tid>/stat (the fields after the command name start at field 3); undefined when
 * the thread has ended.
 */
export function threadState(tid: number | string): { name: string; nice: number; policy: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    nice: Number(fields[16]),
    policy: Number(fields[38]),
  };
}
