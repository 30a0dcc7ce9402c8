/**
 * `init-injector test`: runs PolicyTest suites (like `kyverno test`). Prints PASS/FAIL per case,
 * the reasons and a diff for each failure, and `N passed, M failed`; exits 1 on any failure. With
 * --from-cluster the policies are the cluster's InjectionPolicy objects, whatever the tests name.
 */
import { dirname, resolve } from 'node:path';
import type { PolicySet } from '../engine/types.js';
import { type Diagnostic, formatDiagnostic, type Result } from '../policy/diagnostics.js';
import { loadPolicies } from '../policy/load.js';
import { parseCommandArgs } from './args.js';
import { clusterPolicies } from './cluster-policies.js';
import { TEST_HELP } from './help.js';
import { Exit, type CliIO } from './io.js';
import { readPolicyTests, yamlFilesUnder } from './policytest.js';
import { runCase } from './test-case.js';

/** Runs `test` and returns the exit code. */
export async function runTest(argv: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs('test', argv, {
    help: { type: 'boolean', short: 'h' },
    'from-cluster': { type: 'boolean' },
    kubeconfig: { type: 'string' },
  } as const);
  if (!parsed.ok) {
    io.err(parsed.message + '\n');
    return Exit.Usage;
  }
  if (parsed.values.help === true) {
    io.out(TEST_HELP);
    return Exit.Ok;
  }
  if (parsed.positionals.length === 0) {
    io.err(
      'init-injector test: give a directory (or files) holding PolicyTest files\nRun "init-injector test --help" for usage.\n',
    );
    return Exit.Usage;
  }

  let passed = 0;
  let failed = 0;
  let found = 0;
  const policyCache = new Map<string, Promise<Result<PolicySet, readonly Diagnostic[]>>>();
  // --from-cluster: every test runs against the cluster's objects instead of its `policies:` paths.
  let cluster: Promise<Result<PolicySet, readonly Diagnostic[]>> | undefined;
  if (parsed.values['from-cluster'] === true) {
    const got = await clusterPolicies(parsed.values.kubeconfig);
    if ('error' in got) {
      io.err(`init-injector test: ${got.error}\n`);
      return Exit.Failed;
    }
    cluster = Promise.resolve(got.loaded);
  }
  for (const root of parsed.positionals) {
    let files: string[];
    try {
      files = await yamlFilesUnder(root);
    } catch (error) {
      io.err(`error: ${root}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`);
      failed++;
      continue;
    }
    for (const file of files) {
      const { tests, diagnostics } = await readPolicyTests(file);
      for (const d of diagnostics) io.err(formatDiagnostic(d) + '\n');
      if (diagnostics.length > 0) failed++;
      for (const { test } of tests) {
        found++;
        const paths = (typeof test.policies === 'string' ? [test.policies] : test.policies).map((p) =>
          resolve(dirname(file), p),
        );
        const key = paths.join('\u0000');
        const loading = cluster ?? policyCache.get(key) ?? loadPolicies(paths);
        policyCache.set(key, loading);
        const loaded = await loading;
        if (!loaded.ok) {
          io.out(`FAIL ${file}: ${test.metadata.name}: its policies are invalid\n`);
          for (const d of loaded.error) io.out(`    ${formatDiagnostic(d)}\n`);
          failed += test.cases.length;
          continue;
        }
        for (const c of test.cases) {
          const failures = await runCase(file, test, c, loaded.value, io);
          if (failures.length === 0) {
            passed++;
            io.out(`PASS ${file}: ${c.name}\n`);
            continue;
          }
          failed++;
          io.out(`FAIL ${file}: ${c.name}\n`);
          for (const f of failures) io.out(indent(f) + '\n');
        }
      }
    }
  }
  if (found === 0 && failed === 0) {
    io.err(`init-injector test: no PolicyTest found under ${parsed.positionals.join(', ')}\n`);
    return Exit.Failed;
  }
  io.out(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? Exit.Ok : Exit.Failed;
}

function indent(text: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
