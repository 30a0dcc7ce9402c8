/**
 * `validate`, `test` and help from dist/: exit codes, what goes to stdout and to stderr, every
 * problem of a malformed policy directory with file:line, PolicyTest pass/fail with a diff.
 */
import { match, ok, strictEqual } from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildOnce, cli, DATA, malformedPolicies, rel, ROOT } from './run-cli.js';

describe('cli: validate, test, help (built dist/)', function () {
  this.timeout(60_000);
  let malformed: string;
  before(function () {
    this.timeout(180_000);
    buildOnce();
    malformed = malformedPolicies();
  });
  after(() => {
    rmSync(malformed, { recursive: true, force: true });
  });

  it('validate policies/ prints a one-line summary and exits 0', () => {
    const run = cli(['validate', 'policies']);
    strictEqual(run.code, 0, run.stderr);
    strictEqual(run.stdout, '5 policies valid\n');
    strictEqual(run.stderr, '');
  });

  it('validate of a malformed directory prints every problem of every file as file:line: path: message and exits 1', () => {
    const run = cli(['validate', malformed]);
    strictEqual(run.code, 1);
    strictEqual(run.stdout, '');
    const dir = malformed;
    const expected = [
      `${dir}/bad-expressions.yaml:8: spec.parameters[0].pattern: invalid regular expression`,
      `${dir}/bad-expressions.yaml:12: spec.match.conditions[0].expression: invalid CEL`,
      `${dir}/bad-values.yaml:7: spec.initContainers[0].image: missing required field "image"`,
      `${dir}/bad-values.yaml:10: spec.initContainers[0].resources.limits.memory: "lots" is not a valid Kubernetes quantity`,
      `${dir}/broken-yaml.yaml:`,
      `${dir}/typos.yaml:4: metadata.name: "Bad_Name" must be a DNS-1123 label`,
      `${dir}/typos.yaml:6: spec.mode: `,
      `${dir}/typos.yaml:11: spec.onConflit: unknown field "onConflit"`,
    ];
    const lines = run.stderr.trimEnd().split('\n');
    for (const prefix of expected)
      ok(
        lines.some((l) => l.startsWith(prefix)),
        `missing "${prefix}…" in:\n${run.stderr}`,
      );
    match(run.stderr, /broken-yaml\.yaml:\d+: YAML syntax error/);
    strictEqual(lines.at(-1), '8 problem(s) in 4 file(s)');
  });

  it('validate with no path is a usage error (exit 2)', () => {
    const run = cli(['validate']);
    strictEqual(run.code, 2);
    match(run.stderr, /give at least one policy directory or file/);
  });

  it('test policies/tests runs every shipped PolicyTest, all pass, exit 0', () => {
    const run = cli(['test', 'policies/tests']);
    strictEqual(run.code, 0, run.stdout + run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    ok(
      lines.slice(0, -1).every((l) => l.startsWith('PASS ')),
      run.stdout,
    );
    match(lines.at(-1) ?? '', /^(\d+) passed, 0 failed$/);
    ok(Number(/^(\d+)/.exec(lines.at(-1) ?? '')?.[1]) >= 15, 'the shipped suites have at least 15 cases');
    for (const suite of ['kubia-init', 'network-check', 'cert-fetcher', 'wait-for-service', 'notify-start']) {
      ok(run.stdout.includes(`policies/tests/${suite}/policytest.yaml`), `suite ${suite} ran`);
    }
  });

  it('a failing PolicyTest prints FAIL with the reason and a unified diff, and exits 1', () => {
    const run = cli(['test', rel('failing-policytest')]);
    strictEqual(run.code, 1);
    match(
      run.stdout,
      /^FAIL .*: expects the wrong order\n {4}expected injected \[network-check, init-demo\], got \[init-demo, network-check\]$/m,
    );
    match(run.stdout, /^FAIL .*: expects another TARGET in the output$/m);
    match(run.stdout, /^ {4}--- .*expected\.yaml \(expected\)\n {4}\+\+\+ actual\n {4}@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    match(run.stdout, /^ {4}- {10}value: 8\.8\.8\.8\n {4}\+ {10}value: 1\.1\.1\.1$/m);
    match(run.stdout, /^PASS .*: this one passes$/m);
    match(run.stdout, /^1 passed, 2 failed\n$/m);
  });

  it('a PolicyTest can state every reason a policy is not applied: audit, already_injected, no_match by namespace', () => {
    const run = cli(['test', rel('reasons-policytest')]);
    strictEqual(run.code, 0, run.stdout + run.stderr);
    match(run.stdout, /^4 passed, 0 failed\n$/m);
  });

  it('prints the validate example of docs/cli.md line for line, in that order (… stands for the rest of a line)', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
    const sample = /\$ npx init-injector validate broken\/\n([\s\S]*?)\n```/.exec(docs)?.[1];
    ok(sample, 'docs/cli.md has the validate broken/ example');
    // The file with a syntax error is written here: a broken YAML file in the repository would fail prettier.
    const dir = join(mkdtempSync(join(tmpdir(), 'validate-docs-')), 'broken');
    cpSync(join(DATA, 'broken'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'broken-yaml.yaml'),
      'apiVersion: init-injector.io/v1alpha1\nkind: InjectionPolicy\nmetadata:\n  name: broken-yaml\nspec:\n  initContainers:\n    - name: check\n      image: busybox:1.37.0\n  command: [a\n',
    );
    const run = cli(['validate', dir + '/']);
    rmSync(dirname(dir), { recursive: true, force: true });
    strictEqual(run.code, 1);
    const lines = run.stderr
      .replaceAll(dir + '/', 'broken/')
      .trimEnd()
      .split('\n');
    const expected = sample.split('\n');
    strictEqual(lines.length, expected.length, run.stderr);
    expected.forEach((want, i) => {
      const [head = '', ...rest] = want.split('…');
      ok(
        (lines[i] ?? '').startsWith(head) && (rest.length > 0 || lines[i] === want),
        `line ${i + 1}: ${lines[i]} vs ${want}`,
      );
    });
  });

  it('the PolicyTest example of docs/cli.md passes when run as written, next to the shipped policies', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
    const example = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? '')
      .find((b) => b.includes('kind: PolicyTest'));
    ok(example, 'docs/cli.md has a PolicyTest example');
    const dir = mkdtempSync(join(tmpdir(), 'policytest-docs-'));
    cpSync(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
    const file = join(dir, 'policies', 'tests', 'network-check', 'docs-example.yaml');
    writeFileSync(file, example);
    const run = cli(['test', file]);
    rmSync(dir, { recursive: true, force: true });
    strictEqual(run.code, 0, run.stdout + run.stderr);
    match(run.stdout, /^2 passed, 0 failed\n$/m);
  });

  for (const version of ['20.19.0', '22.18.0']) {
    it(`on Node ${version}, prints one line with the version found, the one needed and the fix, and exits 1`, () => {
      // The launcher reads process.versions before it imports anything; an --import hook that runs
      // first stands in for an old Node (the real Node 20 fails later, inside undici, with a TypeError).
      const fake = `data:text/javascript,Object.defineProperty(process,"versions",{value:{...process.versions,node:"${version}"}})`;
      const run = spawnSync(process.execPath, ['--import', fake, join(ROOT, 'bin', 'init-injector.js'), 'serve'], {
        encoding: 'utf8',
      });
      strictEqual(run.status, 1);
      strictEqual(
        run.stderr,
        `init-injector: needs Node >= 22.19 (Node 24 LTS recommended), found ${version}; run \`. hack/use-node24.sh\` in this shell, then try again\n`,
      );
    });
  }

  it('an invalid PolicyTest file is reported with file:line and field path, and exits 1', () => {
    const run = cli(['test', rel('invalid-policytest')]);
    strictEqual(run.code, 1);
    const file = rel('invalid-policytest', 'policytest.yaml');
    match(
      run.stderr,
      new RegExp(
        `^${file}:12: cases\\[0\\]\\.expect\\.injectd: unknown field "injectd" \\(did you mean "injected"\\?\\)`,
        'm',
      ),
    );
    match(run.stderr, new RegExp(`^${file}:15: cases\\[1\\]\\.expect: expect needs at least one of`, 'm'));
    match(
      run.stderr,
      new RegExp(`^${file}:20: cases\\[2\\]\\.expect\\.skipped\\[0\\]\\.reason: .*did you mean "not_requested"`, 'm'),
    );
  });

  it('test on a directory without PolicyTest files exits 1 and says so', () => {
    const run = cli(['test', rel('malformed-policies')]);
    strictEqual(run.code, 1);
    match(run.stderr, /no PolicyTest found under/);
  });

  it('serve with a --dev-tls-dir it cannot write says INJ_TLS_INVALID in one line, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-injector-devtls-'));
    try {
      writeFileSync(join(dir, 'a-file'), '');
      const run = cli(['serve', '--port', '0', '--metrics-port', '0', '--dev-tls-dir', join(dir, 'a-file', 'sub')]);
      strictEqual(run.code, 1);
      match(
        run.stderr,
        /INJ_TLS_INVALID: --dev-tls-dir .*a-file\/sub: cannot write the development certificate there \(ENOTDIR\)/,
      );
      ok(!/\n\s+at /.test(run.stderr), run.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--help and help <command> print usage on stdout and exit 0', () => {
    const main = cli(['--help']);
    strictEqual(main.code, 0);
    for (const command of ['inject', 'validate', 'test', 'serve'])
      match(main.stdout, new RegExp(`^  ${command} `, 'm'));
    const viaHelp = cli(['help', 'inject']);
    const viaFlag = cli(['inject', '--help']);
    strictEqual(viaHelp.code, 0);
    strictEqual(viaHelp.stdout, viaFlag.stdout);
    match(viaFlag.stdout, /-o, --output FORMAT/);
  });

  it('an unknown command, or no command, is a usage error on stderr (exit 2)', () => {
    const unknown = cli(['injekt']);
    strictEqual(unknown.code, 2);
    strictEqual(unknown.stdout, '');
    match(unknown.stderr, /unknown command "injekt"/);
    const none = cli([]);
    strictEqual(none.code, 2);
    match(none.stderr, /^Usage: init-injector <command>/);
  });
});
