/**
 * Runs one load configuration in a separate load-generator process (pinned to the client core) and
 * asks the server's GC probe about the measured window afterwards.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { LoadConfig, LoadResult } from '../load/types.js';
import { gcInWindow, ROOT, type GcFigures, type ServerUnderTest } from './servers.js';

/** A load result plus the server's GC figures in its window. */
export interface RunFigures extends LoadResult {
  readonly server: string;
  readonly gc: GcFigures | undefined;
}

/** Runs the load worker against `server` and returns what it measured. */
export async function runLoad(
  server: ServerUnderTest,
  cfg: Omit<LoadConfig, 'port' | 'serverPid'>,
  pin: readonly string[],
): Promise<RunFigures> {
  const full: LoadConfig = { ...cfg, port: server.port, serverPid: server.pid };
  const cmd = [
    ...pin,
    process.execPath,
    '--import',
    'tsx',
    join(ROOT, 'bench', 'load', 'worker.ts'),
    JSON.stringify(full),
  ];
  const child = spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number>((resolve) =>
    child.on('exit', (c) => {
      resolve(c ?? 1);
    }),
  );
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) {
    throw new Error(
      `load generator failed (exit ${code}) against ${server.name}:\n${err.slice(-2000)}${out.slice(-500)}`,
    );
  }
  const result = JSON.parse(last) as LoadResult;
  const gc = await gcInWindow(server, result.windowStart, result.windowEnd);
  return { ...result, server: server.name, gc };
}
