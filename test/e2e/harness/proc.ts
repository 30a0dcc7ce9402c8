/**
 * Child processes of the end-to-end run: each in its own process group (so a kill reaches whatever it
 * forked), output appended to a log file, and all of them killed when this process exits for any
 * reason (normal end, mocha's --exit, an uncaught error, SIGINT/SIGTERM). Temporary directories
 * registered here are removed at the same moment.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';

/** The exit code and both streams of a command run to its end. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a short-lived command to its end, with `stdin` as its input, and collects both streams. It
 * is not tracked like the children above: it ends by itself.
 */
export function runCommand(command: string, args: readonly string[], stdin?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
    // The command may exit without reading its input: the write then fails with EPIPE, which is
    // no error of ours; the exit code and stderr say what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}

/** A running child with its log file. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal name) once the child has exited. */
  readonly exited: Promise<number | string>;
  /** Last lines of the log, for error messages. */
  tail(lines?: number): string;
}

const live = new Set<Child>();
const stopping = new WeakSet<Child>();
const crashed: Child[] = [];
const tempDirs = new Set<string>();
const exitCleanups: (() => void)[] = [];
let hooked = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone: nothing to do.
  }
}

/** Kills every live child group with SIGKILL and removes registered temp dirs (synchronous: exit-safe). */
export function killEverythingNow(): void {
  for (const child of live) {
    stopping.add(child);
    killGroup(child.pid, 'SIGKILL');
  }
  live.clear();
  // What the children left outside their process groups (the node's mounts, container shims).
  for (const cleanup of exitCleanups.splice(0)) {
    try {
      cleanup();
    } catch (error) {
      console.error(`e2e: exit cleanup failed: ${String(error)}`);
    }
  }
  // The killed processes may still be writing for a moment (etcd): retry, and never throw at exit.
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    } catch (error) {
      console.error(`e2e: could not remove ${dir}: ${String(error)}`);
    }
  }
  tempDirs.clear();
}

function installExitHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killEverythingNow);
  // `on`, not `once`: mocha's wrapper sends SIGINT twice and then SIGTERM; with no listener left the
  // next signal would kill this process mid-cleanup with the default action.
  let exiting = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (exiting) return;
      exiting = true;
      killEverythingNow();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Registers a temp dir to be removed at exit even if teardown never runs. */
export function registerTempDir(dir: string): void {
  installExitHooks();
  tempDirs.add(dir);
}

/** Registers a synchronous cleanup run at exit after the children are killed, before temp dirs go. */
export function registerExitCleanup(cleanup: () => void): void {
  installExitHooks();
  exitCleanups.push(cleanup);
}

/** Removes a registered temp dir now. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Starts `command args` in a new process group with stdout+stderr appended to `logFile`. */
export function startChild(
  name: string,
  command: string,
  args: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Child {
  installExitHooks();
  const fd = openSync(logFile, 'a');
  const proc = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  const { pid } = proc;
  if (pid === undefined) throw new Error(`could not start ${name} (${command}): no pid`);
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const child: Child = {
    name,
    pid,
    logFile,
    exited,
    tail: (lines = 25) => {
      const text = readFileSync(logFile, 'utf8').trimEnd().split('\n');
      return text.slice(-lines).join('\n');
    },
  };
  live.add(child);
  void exited.then(() => {
    live.delete(child);
    if (!stopping.has(child)) crashed.push(child);
  });
  return child;
}

/** Stops a child's process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: Child, graceMs = 5000): Promise<void> {
  stopping.add(child);
  if (!live.has(child)) return;
  killGroup(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    killGroup(child.pid, 'SIGKILL');
  }, graceMs);
  await child.exited;
  clearTimeout(timer);
  // The leader is gone; make sure nothing it forked survives.
  killGroup(child.pid, 'SIGKILL');
}

/**
 * Children that exited although nobody stopped them (a crashed webhook or API server), with their
 * log tails; the list is emptied by the call. The root hooks fail the current test with it.
 */
export function takeUnexpectedExits(): string[] {
  const report = crashed.map(
    (c) => `${c.name} (pid ${String(c.pid)}) exited unexpectedly; ${c.logFile}:\n${c.tail(15)}`,
  );
  crashed.length = 0;
  return report;
}

/** Names and pids of children still running (teardown asserts this is empty). */
export function liveChildren(): readonly { name: string; pid: number }[] {
  return [...live].map((c) => ({ name: c.name, pid: c.pid }));
}
