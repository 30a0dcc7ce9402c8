/**
 * What the kernel says about a process under test, read from /proc so the server needs no
 * instrumentation: CPU time (utime+stime of the process and its descendants, e.g. cluster workers)
 * and peak RSS (VmHWM, reset through clear_refs at the start of a measured window).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second for /proc/<pid>/stat times (CLK_TCK, nearly always 100). */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface Stat {
  readonly ppid: number;
  readonly ticks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3); ppid is field 4, utime 14, stime 15.
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** The pid and all its live descendants. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st === undefined) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(Number(name));
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

/** CPU seconds (user+system) used so far by the pids. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.ticks ?? 0;
  return ticks / clockTicks();
}

/** Resets the peak-RSS mark of each pid (echo 5 > clear_refs); false if the kernel refused. */
export function resetPeakRss(pids: readonly number[]): boolean {
  let okAll = true;
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      okAll = false;
    }
  }
  return okAll;
}

/** Sum of VmHWM (peak resident set) over the pids, in MiB. */
export function peakRssMiB(pids: readonly number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // the process is gone
    }
  }
  return kb / 1024;
}

/** Pinning for a 2-core box: the server on CPU 0, the load generator on CPU 1, when taskset exists. */
export function pinning(): { readonly server: string[]; readonly client: string[]; readonly note: string } {
  const cores = (() => {
    try {
      return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
    } catch {
      return 1;
    }
  })();
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
  if (taskset === undefined || cores < 2) {
    return {
      server: [],
      client: [],
      note: `not pinned (taskset ${taskset === undefined ? 'missing' : 'present'}, ${cores} cores)`,
    };
  }
  return {
    server: [taskset, '-c', '0'],
    client: [taskset, '-c', '1'],
    note: `server pinned to CPU 0, load generator to CPU 1 (taskset; ${cores} cores)`,
  };
}
