/**
 * Runs the BUILT command (bin/init-injector.js -> dist/cli/main.js) in a child process, as a user
 * would: catches CommonJS-interop and packaging faults that in-process tests cannot.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const DATA = join(import.meta.dirname, 'testdata');
const BIN = join(ROOT, 'bin', 'init-injector.js');

/** What a CLI run printed and returned. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Compiles src/ to dist/ once per mocha process (npm run build); a type error fails the suite, as in CI. */
let built = false;
export function buildOnce(): void {
  if (built) return;
  built = true;
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `init-injector ...args` from the repository root, with optional stdin. */
export function cli(args: readonly string[], stdin?: string): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    input: stdin ?? '',
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error !== undefined) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Path relative to the repository root, as the CLI prints it. */
export const rel = (...parts: string[]): string => join('test', 'cli', 'testdata', ...parts);

/**
 * A policy directory with several problems in several files: the files of
 * testdata/malformed-policies/ plus one with a YAML syntax error, written here because a file that
 * does not parse cannot live in the repository (the formatter check would reject it).
 */
export function malformedPolicies(): string {
  const dir = mkdtempSync(join(tmpdir(), 'init-injector-malformed-'));
  cpSync(join(DATA, 'malformed-policies'), dir, { recursive: true });
  writeFileSync(
    join(dir, 'broken-yaml.yaml'),
    'apiVersion: init-injector.io/v1alpha1\nkind: InjectionPolicy\nmetadata:\n  name: broken-yaml\nspec:\n  initContainers:\n    - name: x\n      image: "unterminated\n',
  );
  return dir;
}
