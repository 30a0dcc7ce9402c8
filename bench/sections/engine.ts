/** The engine section: runs bench/engine/child.ts in its own pinned process with --expose-gc. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../lib/servers.js';
import type { EngineFigures } from '../engine/types.js';

/** Measures mutate() for each policy directory (keyed by set size). */
export async function runEngine(
  dirs: Readonly<Record<number, string>>,
  namespaceLabels: Readonly<Record<string, string>>,
  samples: number,
  retainLoops: number,
  pin: readonly string[],
): Promise<EngineFigures[]> {
  const cfg = JSON.stringify({ dirs, namespaceLabels, samples, retainLoops });
  const cmd = [
    ...pin,
    process.execPath,
    '--expose-gc',
    '--max-semi-space-size=64',
    '--import',
    'tsx',
    join(ROOT, 'bench', 'engine', 'child.ts'),
    cfg,
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
  if (code !== 0 || !last.startsWith('['))
    throw new Error(`engine benchmark failed (exit ${code}):\n${err.slice(-3000)}`);
  return JSON.parse(last) as EngineFigures[];
}
