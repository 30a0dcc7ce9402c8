/**
 * Every fixture in testdata/ through the engine and through the CLI (`inject`), against the same
 * golden files; plus idempotence (re-invocation gives no ops) and the stale-file check.
 * The HTTP path (POST /mutate) runs the same fixtures in mutate-http.golden.test.ts.
 */
import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { join } from 'node:path';
import jsonpatch from 'fast-json-patch';
import { load } from 'js-yaml';
import { run } from '../../src/cli/main.js';
import { toJson, toYaml } from '../../src/cli/output.js';
import { mutate } from '../../src/engine/index.js';
import type { Operation } from '../../src/engine/types.js';
import { DATA, discoverCases, expectGolden, orphans, readData } from './golden.js';
import { captureIO, loadCase, type GoldenCase } from './cases.js';

const { applyPatch, deepClone } = jsonpatch;

const cases = discoverCases();

describe('golden: every fixture through the engine and the CLI', () => {
  before(async function () {
    // The first `inject` imports the policy loader and its Kubernetes models (seconds on a busy
    // machine); pay for it once here rather than inside the first case's time budget.
    this.timeout(120_000);
    await import('../../src/cli/inject.js');
  });

  it('finds fixtures in testdata/', () => {
    ok(cases.length >= 15, `only ${cases.length} fixtures found in ${DATA}`);
  });

  it('has no golden file without an input (stale check)', () => {
    deepStrictEqual(orphans(cases), []);
  });

  for (const name of cases) {
    describe(name, () => {
      let c: GoldenCase;
      before(async () => {
        c = await loadCase(name);
      });

      it(`engine: patch, patched pod and result match ${name}.patch.json, .injected.yaml, .result.json`, () => {
        const result = mutate(c.input);
        expectGolden(`${name}.patch.json`, toJson(result.patch));
        const applied = applyPatch(deepClone(c.pod), deepClone(result.patch) as Operation[], true)
          .newDocument as unknown;
        expectGolden(`${name}.injected.yaml`, toYaml(applied));
        const { injected, decisions, warnings, denial } = result;
        expectGolden(`${name}.result.json`, toJson({ injected, decisions, warnings, denial: denial ?? null }));
        if (denial === undefined) deepStrictEqual(result.mutated, applied, 'result.mutated is what the patch produces');
        else deepStrictEqual(result.patch, [], 'a denial carries no patch');
      });

      it('engine: running again on the patched pod gives an empty patch (re-invocation)', function () {
        const first = mutate(c.input);
        if (first.denial !== undefined) {
          strictEqual(mutate(c.input).denial?.message, first.denial.message, 'a denial is deterministic');
          return;
        }
        const again = mutate({ ...c.input, pod: first.mutated });
        deepStrictEqual(again.patch, []);
        strictEqual(again.denial, undefined);
      });

      it(`cli: \`inject -o patch\` prints the ops of ${name}.patch.json, \`-o yaml\` the pod of ${name}.injected.yaml`, async () => {
        const golden = JSON.parse(readData(`${name}.patch.json`)) as unknown[];
        const denial = (JSON.parse(readData(`${name}.result.json`)) as { denial: { message: string } | null }).denial;
        const patchRun = await cliInject(c, 'patch');
        if (denial !== null) {
          strictEqual(patchRun.code, 1, patchRun.stderr);
          strictEqual(patchRun.stdout, '');
          ok(patchRun.stderr.includes(denial.message), `stderr names the denial: ${patchRun.stderr}`);
          return;
        }
        strictEqual(patchRun.code, 0, patchRun.stderr);
        deepStrictEqual(JSON.parse(patchRun.stdout), golden);
        const yamlRun = await cliInject(c, 'yaml');
        strictEqual(yamlRun.code, 0, yamlRun.stderr);
        // -n writes the namespace into an object that has none, so that kubectl applies it there.
        const expected = load(readData(`${name}.injected.yaml`)) as { metadata: Record<string, unknown> };
        expected.metadata['namespace'] ??= c.namespace.name;
        deepStrictEqual(load(yamlRun.stdout), expected);
      });
    });
  }
});

async function cliInject(c: GoldenCase, output: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const labels = Object.entries(c.namespace.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const io = captureIO();
  const args = [
    'inject',
    '-p',
    c.policies,
    '-f',
    join(DATA, `${c.name}.pod.yaml`),
    '-n',
    c.namespace.name,
    '-o',
    output,
  ];
  const code = await run(labels === '' ? args : [...args, '--namespace-labels', labels], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}
