/**
 * The stand-in programs of the node images (test/e2e/node/standins: pause, curl, ping, nc), built
 * once with `go build` into `${XDG_CACHE_HOME:-~/.cache}/init-injector/standins/<hash>/standin`; the
 * hash covers every Go file, so an edit builds anew. Standard library only: no module download.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = fileURLToPath(new URL('./standins/', import.meta.url));

/** Path of the built stand-in binary (static, linux/amd64 of this machine). */
export function ensureStandin(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(SOURCE_DIR).sort()) {
    if (file.endsWith('.go') || file === 'go.mod') hash.update(file).update(readFileSync(path.join(SOURCE_DIR, file)));
  }
  const root = process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache');
  const dir = path.join(root, 'init-injector', 'standins', hash.digest('hex').slice(0, 12));
  const bin = path.join(dir, 'standin');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const partial = `${bin}.partial-${String(process.pid)}`;
  const build = spawnSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', partial, '.'], {
    cwd: SOURCE_DIR,
    encoding: 'utf8',
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  if (build.status !== 0) throw new Error(`go build of the node stand-ins failed:\n${build.stderr}`);
  renameSync(partial, bin);
  return bin;
}
