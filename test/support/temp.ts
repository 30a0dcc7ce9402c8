/**
 * Temporary directories for tests that need real files: each one is removed when the test process
 * exits (mocha runs with `exit: true`, so the 'exit' event fires after every suite's own cleanup,
 * servers stopped). A run leaves nothing behind in the system's temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

function removeAll(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

/** A new empty directory under the system's temp directory, named `prefix` plus random characters. */
export function tempDir(prefix: string): string {
  if (made.size === 0) process.once('exit', removeAll);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}
