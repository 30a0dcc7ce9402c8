/**
 * Golden-file helpers: fixtures are discovered from testdata/, `UPDATE_GOLDEN=1` rewrites the
 * expected files instead of comparing, and `orphans` finds golden files whose input is gone.
 */
import { strictEqual } from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DATA = join(import.meta.dirname, 'testdata');
export const DEFAULT_POLICIES = join(import.meta.dirname, 'policies');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

const INPUT = '.pod.yaml';
/** Every file a case may own, by suffix: inputs first, then the golden outputs. */
const CASE_SUFFIXES = ['.pod.yaml', '.ns.yaml', '.policies', '.patch.json', '.injected.yaml', '.result.json'];

/** Case names: every testdata/<case>.pod.yaml, sorted. */
export function discoverCases(): string[] {
  return readdirSync(DATA)
    .filter((f) => f.endsWith(INPUT))
    .map((f) => f.slice(0, -INPUT.length))
    .sort();
}

/** Files in testdata/ that belong to no case (a golden file left behind when its input was removed or renamed). */
export function orphans(cases: readonly string[]): string[] {
  const known = new Set(cases.flatMap((c) => CASE_SUFFIXES.map((s) => c + s)));
  return readdirSync(DATA)
    .filter((f) => !known.has(f))
    .sort();
}

/** The case's policy directory: testdata/<case>.policies/ when present, else test/golden/policies/. */
export function policiesFor(name: string): string {
  const own = join(DATA, `${name}.policies`);
  return existsSync(own) ? own : DEFAULT_POLICIES;
}

/** Compares `actual` with testdata/<file>, or writes it when UPDATE_GOLDEN=1. */
export function expectGolden(file: string, actual: string): void {
  const path = join(DATA, file);
  if (UPDATE) {
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path))
    throw new Error(`${file} is missing: run UPDATE_GOLDEN=1 npx mocha test/golden and review the new file`);
  strictEqual(actual, readFileSync(path, 'utf8'), `${file} differs (UPDATE_GOLDEN=1 rewrites it; review the diff)`);
}

/** Reads testdata/<file>. */
export function readData(file: string): string {
  return readFileSync(join(DATA, file), 'utf8');
}
