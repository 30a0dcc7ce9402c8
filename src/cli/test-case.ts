/**
 * Runs one PolicyTest case through the same path as `inject` and checks every expectation it
 * states. Returns the failures as lines (empty = pass); output mismatches come with a unified diff.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve, relative } from 'node:path';
import type { PolicySet } from '../engine/types.js';
import { canonicalJson } from '../policy/canonical.js';
import { unifiedDiff } from './diff.js';
import { injectDocument } from './documents.js';
import type { CliIO } from './io.js';
import { parseManifest, readManifest } from './manifests.js';
import { toYaml } from './output.js';
import type { PolicyTest, TestCase } from './policytest-schema.js';

const list = (names: readonly string[]): string => `[${names.join(', ')}]`;
const NOT_APPLIED: ReadonlySet<string> = new Set(['skip', 'present', 'audit']);

/** Checks one case against loaded policies; `file` is the PolicyTest file (paths are relative to it). */
export async function runCase(
  file: string,
  test: PolicyTest,
  c: TestCase,
  policies: PolicySet,
  io: CliIO,
): Promise<string[]> {
  const base = dirname(file);
  const resourcePath = resolve(base, c.resource);
  const manifest = await readManifest(resourcePath, io);
  if ('error' in manifest) return [manifest.error];
  const [doc, ...extra] = manifest.docs;
  if (doc === undefined || extra.length > 0) {
    return [
      `resource ${c.resource} must hold exactly one object (a Pod or one workload); it holds ${manifest.docs.length}`,
    ];
  }
  const ns = c.namespace ?? test.namespace;
  const outcome = injectDocument(doc, 0, { policies, namespace: ns.name, namespaceLabels: ns.labels });
  const [template, ...more] = outcome.templates;
  if (template === undefined)
    return [`resource ${c.resource} (kind ${doc.kind ?? '?'}) has no pod template to inject into`];
  if (more.length > 0)
    return [`resource ${c.resource} holds ${outcome.templates.length} pod templates; a case tests one`];
  const { result } = template;
  const expect = c.expect;
  const failures: string[] = [];

  if (expect.denied === undefined && result.denial !== undefined) {
    failures.push(`denied unexpectedly by policy "${result.denial.policy}": ${result.denial.message}`);
  }
  if (expect.denied !== undefined) {
    if (result.denial === undefined)
      failures.push(`expected a denial containing "${expect.denied}", but the resource was admitted`);
    else if (!result.denial.message.includes(expect.denied)) {
      failures.push(`expected the denial to contain "${expect.denied}", got: ${result.denial.message}`);
    }
  }
  if (expect.injected !== undefined && list(expect.injected) !== list(result.injected)) {
    failures.push(`expected injected ${list(expect.injected)}, got ${list(result.injected)}`);
  }
  for (const want of expect.skipped ?? []) {
    const decision = result.decisions.find((d) => d.policy === want.policy);
    // "Skipped" is "not applied by this admission, for this reason": an Audit policy and one
    // already applied are not applied either, with the reasons audit and already_injected.
    if (decision === undefined || !NOT_APPLIED.has(decision.outcome) || decision.reason !== want.reason) {
      const got =
        decision === undefined
          ? 'no decision'
          : `${decision.outcome}${decision.reason === undefined ? '' : ` (${decision.reason})`}`;
      failures.push(`expected ${want.policy} to be skipped (${want.reason}), got ${got}`);
    }
  }
  for (const want of expect.warnings ?? []) {
    if (!result.warnings.some((w) => w.includes(want))) {
      failures.push(
        `expected a warning containing "${want}"; warnings: ${result.warnings.length === 0 ? 'none' : result.warnings.join(' | ')}`,
      );
    }
  }
  if (expect.output !== undefined)
    failures.push(...(await compareOutput(resolve(base, expect.output), outcome.output)));
  if (failures.length > 0 && template.excluded !== undefined)
    failures.push(`note: the webhook would never see this pod: ${template.excluded}`);
  return failures;
}

/**
 * Compares the mutated resource with the expected file as data: the order of a map's keys means
 * nothing to Kubernetes (policies read back from the API server come with their keys sorted), the
 * order of a list's items does. A difference is shown as a diff of both sides with their keys sorted
 * the same way, so only what differs shows.
 */
async function compareOutput(expectedPath: string, actual: unknown): Promise<string[]> {
  const shown = relative(process.cwd(), expectedPath) || expectedPath;
  let text: string;
  try {
    text = await readFile(expectedPath, 'utf8');
  } catch (error) {
    return [`cannot read expected output ${shown} (${(error as NodeJS.ErrnoException).code ?? String(error)})`];
  }
  const expected = parseManifest(text, shown);
  if ('error' in expected) return [expected.error];
  if (expected.docs.length === 1 && canonicalJson(expected.docs[0]) === canonicalJson(actual)) return [];
  const sorted = (value: unknown): string => toYaml(JSON.parse(canonicalJson(value)));
  const want = expected.docs.map(sorted).join('---\n');
  const got = sorted(actual);
  const diff = unifiedDiff(want, got, `${shown} (expected)`, 'actual');
  return diff === '' ? [] : [`output differs from ${shown}:\n${diff}`];
}
