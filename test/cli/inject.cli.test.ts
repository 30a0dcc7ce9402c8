/**
 * `init-injector inject` from dist/: every workload kind in one multi-document file, the three
 * output formats agreeing with each other, stdin, denials and command-line errors.
 */
import { deepStrictEqual, match, ok, strictEqual } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonpatch from 'fast-json-patch';
import { loadAll } from 'js-yaml';
import { buildOnce, cli, type CliRun, DATA, rel } from './run-cli.js';

const { applyPatch, deepClone } = jsonpatch;
const ALL_KINDS = rel('all-kinds.yaml');
const KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'List', 'ConfigMap'];

type Obj = Record<string, unknown>;
const input = (): Obj[] => loadAll(readFileSync(join(DATA, 'all-kinds.yaml'), 'utf8')) as Obj[];
/** The value at a path of keys and indexes, or undefined. */
const at = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>(
    (node, key) => (typeof node === 'object' && node !== null ? (node as Obj)[key] : undefined),
    value,
  );
const injectedOf = (doc: unknown, ...templatePath: (string | number)[]): unknown =>
  at(doc, ...templatePath, 'metadata', 'annotations', 'init-injector.io/injected');
let yamlOutput: CliRun | undefined;
/** `inject -o yaml` of all-kinds.yaml, run once and shared by the tests that compare against it. */
const yamlRun = (): CliRun => (yamlOutput ??= cli(['inject', '-p', 'policies', '-f', ALL_KINDS]));
const names = (list: unknown): unknown => (list as Obj[]).map((c) => c['name']);

describe('cli: inject (built dist/)', function () {
  this.timeout(60_000);
  before(function () {
    this.timeout(180_000);
    buildOnce();
  });

  it('prints every document of a multi-document file in input order, with each pod template injected (-o yaml)', () => {
    const run = yamlRun();
    strictEqual(run.code, 0, run.stderr);
    const docs = loadAll(run.stdout) as Obj[];
    deepStrictEqual(
      docs.map((d) => d['kind']),
      KINDS,
    );
    const [pod, deploy, sts, ds, rs, job, cron, list, cm] = docs as [Obj, Obj, Obj, Obj, Obj, Obj, Obj, Obj, Obj];
    strictEqual(injectedOf(pod), 'init-demo,network-check');
    deepStrictEqual(names(at(pod, 'spec', 'initContainers')), ['init-demo', 'network-check']);
    strictEqual(injectedOf(deploy, 'spec', 'template'), 'init-demo,network-check,wait-for-service');
    deepStrictEqual(names(at(deploy, 'spec', 'template', 'spec', 'initContainers')), [
      'init-demo',
      'network-check',
      'wait-for-service',
    ]);
    strictEqual(injectedOf(sts, 'spec', 'template'), 'init-demo,network-check');
    strictEqual(injectedOf(rs, 'spec', 'template'), 'init-demo,network-check');
    strictEqual(injectedOf(job, 'spec', 'template'), 'init-demo,network-check');
    strictEqual(injectedOf(cron, 'spec', 'jobTemplate', 'spec', 'template'), 'init-demo,network-check');
    strictEqual(injectedOf(list, 'items', 1, 'spec', 'template'), 'init-demo,network-check');
    const original = input();
    deepStrictEqual(ds, original[3], 'the opted-out DaemonSet is unchanged');
    deepStrictEqual(at(list, 'items', 0), at(original[7], 'items', 0), 'the Service inside the List passes through');
    deepStrictEqual(cm, original[8], 'the ConfigMap passes through');
    strictEqual(at(cm, 'data', 'since'), '2024-01-01', 'dates stay strings');
    strictEqual(run.stderr, '', 'a skip nobody asked about is not news without --verbose');
  });

  it('--verbose says why each policy was skipped, for each object', () => {
    const run = cli(['inject', '-p', 'policies', '-f', ALL_KINDS, '--verbose']);
    strictEqual(run.code, 0, run.stderr);
    match(run.stderr, /^init-demo: skipped for DaemonSet\/agent: .*init-injector\.io\/inject/m);
    match(run.stderr, /^wait-for-service: skipped for StatefulSet\/db: .*init-injector\.io\/request/m);
  });

  it('-o json prints one v1 List holding the same documents as -o yaml, and injecting it again changes nothing', () => {
    const yaml = loadAll(yamlRun().stdout);
    const run = cli(['inject', '-p', 'policies', '-f', ALL_KINDS, '-o', 'json']);
    strictEqual(run.code, 0, run.stderr);
    const list = JSON.parse(run.stdout) as Obj;
    strictEqual(list['kind'], 'List');
    deepStrictEqual(list['items'], yaml);
    // Its own output, read back as JSON from stdin, needs nothing more: re-invocation is a no-op.
    const again = cli(['inject', '-p', 'policies', '-f', '-', '-o', 'patch'], run.stdout);
    strictEqual(again.code, 0, again.stderr);
    strictEqual(again.stdout, '[]\n');
  });

  it('-o json of a single document prints that object, not a List', () => {
    const run = cli(['inject', '-p', 'policies', '-f', 'policies/tests/kubia-init/kubia.pod.yaml', '-o', 'json']);
    strictEqual(run.code, 0, run.stderr);
    strictEqual((JSON.parse(run.stdout) as Obj)['kind'], 'Pod');
  });

  it('-o patch prints per document the ops that turn each input document into the -o yaml output', () => {
    const yaml = loadAll(yamlRun().stdout) as Obj[];
    const run = cli(['inject', '-p', 'policies', '-f', ALL_KINDS, '-o', 'patch']);
    strictEqual(run.code, 0, run.stderr);
    const patches = loadAll(run.stdout) as Obj[][];
    strictEqual(patches.length, KINDS.length);
    const docs = input();
    patches.forEach((ops, i) => {
      const applied = applyPatch(deepClone(docs[i]), deepClone(ops), true).newDocument;
      deepStrictEqual(applied, yaml[i], `document ${i + 1} (${KINDS[i] ?? ''})`);
    });
    deepStrictEqual(patches[3], [], 'no ops for the opted-out DaemonSet');
    deepStrictEqual(patches[8], [], 'no ops for the ConfigMap');
    ok(patches[6]!.every((op) => String(op['path']).startsWith('/spec/jobTemplate/spec/template/')));
    ok(patches[7]!.every((op) => String(op['path']).startsWith('/items/1/spec/template/')));
  });

  it('reads the manifest from stdin with -f - and prints what -f FILE prints', () => {
    const fromFile = yamlRun();
    const fromStdin = cli(['inject', '-p', 'policies', '-f', '-'], readFileSync(join(DATA, 'all-kinds.yaml'), 'utf8'));
    strictEqual(fromStdin.code, 0, fromStdin.stderr);
    strictEqual(fromStdin.stdout, fromFile.stdout);
  });

  it('gives -n to objects without metadata.namespace, as the namespace the policies and {{ pod.namespace }} see', () => {
    const args = [
      'inject',
      '-p',
      'test/golden/policies',
      '-f',
      'test/golden/testdata/replicaset-generatename.pod.yaml',
    ];
    const run = cli([...args, '-n', 'other', '-o', 'json']);
    strictEqual(run.code, 0, run.stderr);
    const setup = (at(JSON.parse(run.stdout), 'spec', 'initContainers') as Obj[]).find((c) => c['name'] === 'setup');
    deepStrictEqual(at(setup, 'args'), ['--pod=', '--generate-name=web-7d4b9c8f6d-', '--namespace=other']);
  });

  it("refuses -n that contradicts an object's metadata.namespace, as kubectl does (exit 1)", () => {
    const run = cli(['inject', '-p', 'policies', '-f', ALL_KINDS, '-n', 'other']);
    strictEqual(run.code, 1);
    strictEqual(run.stdout, '');
    match(run.stderr, /^error: Deployment\/web: metadata.namespace "shop" does not match -n "other"$/m);
  });

  it('matches namespaceSelector against --namespace-labels (and only then)', () => {
    const args = [
      'inject',
      '-p',
      rel('ns-selector-policies'),
      '-f',
      'policies/tests/kubia-init/kubia.pod.yaml',
      '-o',
      'json',
    ];
    const backend = cli([...args, '-n', 'payments', '--namespace-labels', 'tier=backend,team=pay']);
    strictEqual(backend.code, 0, backend.stderr);
    strictEqual(injectedOf(JSON.parse(backend.stdout)), 'backend-only');
    const frontend = cli([...args, '-n', 'web', '--namespace-labels', 'tier=frontend', '-v']);
    strictEqual(frontend.code, 0, frontend.stderr);
    strictEqual(injectedOf(JSON.parse(frontend.stdout)), undefined);
    match(frontend.stderr, /^backend-only: skipped for Pod\/kubia-init: /m);
  });

  it('exits 1 on a denial, prints nothing on stdout and names the object, the policy and the annotation', () => {
    const run = cli([
      'inject',
      '-p',
      'test/golden/testdata/bad-param-required.policies',
      '-f',
      'test/golden/testdata/bad-param-required.pod.yaml',
    ]);
    strictEqual(run.code, 1);
    strictEqual(run.stdout, '');
    match(run.stderr, /^error: Pod\/bad-required denied by policy "gate": .*init-injector\.io\/gate\.target/m);
  });

  it('exits 1 with every problem when the policies are invalid', () => {
    const run = cli(['inject', '-p', rel('malformed-policies'), '-f', ALL_KINDS]);
    strictEqual(run.code, 1);
    strictEqual(run.stdout, '');
    match(run.stderr, /typos\.yaml:11: spec\.onConflit: /);
    match(run.stderr, /nothing was injected/);
  });

  it('exits 1 naming file and line when the manifest is not valid YAML', () => {
    const run = cli(['inject', '-p', 'policies', '-f', '-'], 'kind: Pod\nmetadata:\n  name: "oops\n');
    strictEqual(run.code, 1);
    match(run.stderr, /<stdin>:\d+: YAML syntax error/);
  });

  const usage: [string, string[], RegExp][] = [
    ['an unknown flag', ['inject', '-p', 'policies', '-f', ALL_KINDS, '--bogus'], /Unknown option '--bogus'/],
    [
      'an unknown output format',
      ['inject', '-p', 'policies', '-f', ALL_KINDS, '-o', 'xml'],
      /-o "xml" is not one of yaml, json, patch/,
    ],
    ['a missing -p', ['inject', '-f', ALL_KINDS], /-p DIR \(the policies\) is required/],
    ['a missing -f', ['inject', '-p', 'policies'], /-f FILE .* is required/],
    [
      'a malformed --namespace-labels',
      ['inject', '-p', 'policies', '-f', ALL_KINDS, '--namespace-labels', 'team'],
      /"team" is not key=value/,
    ],
    [
      'a --namespace-labels key that is not a label key',
      ['inject', '-p', 'policies', '-f', ALL_KINDS, '--namespace-labels', 'Tier Bad=x'],
      /--namespace-labels: "Tier Bad=x": label key "Tier Bad" is not a qualified name/,
    ],
  ];
  for (const [what, args, message] of usage) {
    it(`exits 2 with a clear message on ${what}`, () => {
      const run = cli(args);
      strictEqual(run.code, 2);
      strictEqual(run.stdout, '');
      match(run.stderr, message);
    });
  }

  it('is deterministic: two runs print the same bytes', () => {
    const a = cli(['inject', '-p', 'policies', '-f', ALL_KINDS, '-o', 'patch']);
    const b = cli(['inject', '-p', 'policies', '-f', ALL_KINDS, '-o', 'patch']);
    strictEqual(a.stdout, b.stdout);
    ok(a.stdout.length > 0);
  });
});
