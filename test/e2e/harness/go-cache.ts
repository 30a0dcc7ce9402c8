/**
 * Where a Go module of the suite (test/e2e/k8s/, test/e2e/certmanager/) keeps its built binaries:
 * `${XDG_CACHE_HOME:-~/.cache}/init-injector/<kind>/<pinned version>-<hash of its key files>`, so a
 * change to the module's go.mod, go.sum or sources builds again and anything else reuses the build;
 * and the lock that keeps two runs sharing the cache from building at once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** The version `modulePath` is required at in `moduleDir`/go.mod (e.g. "v1.37.2"). */
export function pinnedVersion(moduleDir: string, modulePath: string): string {
  const goMod = readFileSync(path.join(moduleDir, 'go.mod'), 'utf8');
  const escaped = modulePath.replaceAll('.', '\\.').replaceAll('/', '\\/');
  const match = new RegExp(`^\\s*${escaped}\\s+(v\\d+\\.\\d+\\.\\d+\\S*)`, 'm').exec(goMod);
  if (match?.[1] === undefined) throw new Error(`${moduleDir}go.mod: no "${modulePath} vX.Y.Z" requirement`);
  return match[1];
}

/** The cache directory of `kind` at `version`, keyed by the content of `keyFiles` (relative to `moduleDir`). */
export function keyedCacheDir(moduleDir: string, keyFiles: readonly string[], kind: string, version: string): string {
  const hash = createHash('sha256');
  for (const file of keyFiles) hash.update(file).update(readFileSync(path.join(moduleDir, file)));
  const root = process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache');
  return path.join(root, 'init-injector', kind, `${version}-${hash.digest('hex').slice(0, 12)}`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `build` holding `dir`/build.lock. A lock held by a live process is waited for, and its result
 * taken when `done()` says it is there; a lock left by a dead process is removed.
 */
export async function underBuildLock(
  dir: string,
  what: string,
  log: (line: string) => void,
  done: () => boolean,
  build: () => Promise<void>,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, 'build.lock');
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const owner = Number(readFileSync(lock, 'utf8'));
      if (!pidAlive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      log(`e2e: waiting for another build of ${what} (pid ${String(owner)}, ${dir})`);
      while (pidAlive(owner) && existsSync(lock)) await new Promise((r) => setTimeout(r, 5000));
      if (done()) return;
    }
  }
  try {
    await build();
  } finally {
    rmSync(lock, { force: true });
  }
}
