/**
 * Finding and reading PolicyTest files for `init-injector test`: every *.yaml/*.yml under the given
 * paths (recursively, sorted) whose documents are `kind: PolicyTest`. Schema problems are reported
 * as `file:line: path: message`, all of them.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Diagnostic, formatPath } from '../policy/diagnostics.js';
import { parseDocuments } from '../policy/parse.js';
import { API_VERSION } from '../policy/schema.js';
import { validateWith } from '../policy/schema-issues.js';
import { type PolicyTest, PolicyTestSchema } from './policytest-schema.js';

/** A PolicyTest document and the file it came from. */
export interface LoadedTest {
  readonly file: string;
  readonly test: PolicyTest;
}

const YAML_FILE = /\.ya?ml$/;
// Cheap pre-filter: only files that say `kind: PolicyTest` are parsed (pods and expected outputs are not).
const MENTIONS_POLICYTEST = /^kind:\s*["']?PolicyTest["']?\s*$/m;

/** Every YAML file under `path` (a file is itself), sorted for a stable run order. */
export async function yamlFilesUnder(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && YAML_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Reads the PolicyTest documents of one file; other documents in it are ignored. */
export async function readPolicyTests(file: string): Promise<{ tests: LoadedTest[]; diagnostics: Diagnostic[] }> {
  const text = await readFile(file, 'utf8');
  if (!MENTIONS_POLICYTEST.test(text)) return { tests: [], diagnostics: [] };
  const parsed = parseDocuments(text, file);
  if (!parsed.ok) return { tests: [], diagnostics: [...parsed.error] };
  const tests: LoadedTest[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const doc of parsed.value) {
    const value = doc.value as Record<string, unknown> | null;
    if (typeof value !== 'object' || value === null || value['kind'] !== 'PolicyTest') continue;
    if (value['apiVersion'] !== API_VERSION) {
      diagnostics.push({
        file,
        line: doc.lineOf(['apiVersion']),
        path: 'apiVersion',
        message: `must be ${API_VERSION} for kind PolicyTest`,
      });
      continue;
    }
    // The policy loader's zod-issue explainer: unknown fields named with a did-you-mean, allowed values listed.
    const result = validateWith(PolicyTestSchema, value);
    if (result.ok) {
      tests.push({ file, test: result.data });
      continue;
    }
    for (const issue of result.issues) {
      diagnostics.push({ file, line: doc.lineOf(issue.path), path: formatPath(issue.path), message: issue.message });
    }
  }
  return { tests, diagnostics };
}
