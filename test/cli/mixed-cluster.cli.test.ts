/**
 * `inject` on manifests as platform teams keep them: comments, octal file modes, more workload kinds
 * than the built-in ones, objects that are not workloads at all, and `-n` piped into kubectl.
 */
import { deepStrictEqual, doesNotMatch, match, ok, strictEqual } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOnce, cli, DATA, rel } from './run-cli.js';

const FILE = rel('mixed-cluster.yaml');
const TEXT = readFileSync(join(DATA, 'mixed-cluster.yaml'), 'utf8');
/** The documents of a stream as written, each with the `---` that opens it. */
const documents = (text: string): string[] => text.split(/^(?=---\n)/m);

describe('cli: inject on the manifests of a mixed cluster (built dist/)', function () {
  this.timeout(60_000);
  before(function () {
    this.timeout(180_000);
    buildOnce();
  });

  it('injects Argo Rollouts and OpenShift DeploymentConfigs, and says once which unknown kind has a template', () => {
    const run = cli(['inject', '-p', 'policies', '-f', FILE, '-o', 'json']);
    strictEqual(run.code, 0, run.stderr);
    type Template = { metadata?: { annotations?: Record<string, string> } } | undefined;
    const items = (JSON.parse(run.stdout) as { items: { kind: string; spec?: { template?: Template } }[] }).items;
    const injected = (kind: string): unknown =>
      items.find((i) => i.kind === kind)?.spec?.template?.metadata?.annotations?.['init-injector.io/injected'];
    strictEqual(injected('Rollout'), 'init-demo,network-check');
    strictEqual(injected('DeploymentConfig'), 'init-demo,network-check');
    strictEqual(injected('Widget'), undefined);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    deepStrictEqual(lines.length, 1, run.stderr);
    match(
      lines[0] ?? '',
      /^warning: kind Widget has what looks like a pod template at spec\.template, but inject does not know the kind; its objects are left unchanged/,
    );
  });

  it('reads 0400 as kubectl does (256) and writes it back as 0400, keeping the comments', () => {
    const json = cli(['inject', '-p', 'policies', '-f', FILE, '-o', 'json']);
    const rollout = (JSON.parse(json.stdout) as { items: Record<string, unknown>[] }).items[2];
    const volume = (rollout as { spec: { template: { spec: { volumes: { secret: { defaultMode: number } }[] } } } })
      .spec.template.spec.volumes[0];
    strictEqual(volume?.secret.defaultMode, 256);
    const yaml = cli(['inject', '-p', 'policies', '-f', FILE]).stdout;
    match(yaml, /defaultMode: 0400\n/);
    match(yaml, /- name: app # the service itself\n/);
    match(yaml, /^# Argo Rollouts: the pod template sits where a Deployment has it\.$/m);
  });

  it('leaves every document it does not change byte for byte, and writes -n into namespaced objects', () => {
    const plain = cli(['inject', '-p', 'policies', '-f', FILE]);
    strictEqual(plain.code, 0, plain.stderr);
    const before = documents(TEXT);
    const after = documents(plain.stdout);
    strictEqual(after.length, before.length);
    for (const i of [0, 1, 4]) strictEqual(after[i], before[i], `document ${i + 1} is untouched`);

    const shop = cli(['inject', '-p', 'policies', '-f', FILE, '-n', 'shop', '-o', 'json']);
    strictEqual(shop.code, 0, shop.stderr);
    const namespaces = (
      JSON.parse(shop.stdout) as { items: { kind: string; metadata: { namespace?: string } }[] }
    ).items.map((i) => [i.kind, i.metadata.namespace]);
    deepStrictEqual(namespaces, [
      ['Secret', 'shop'],
      ['ClusterRole', undefined],
      ['Rollout', 'shop'],
      ['DeploymentConfig', 'shop'],
      ['Widget', undefined],
    ]);
    const yaml = cli(['inject', '-p', 'policies', '-f', FILE, '-n', 'shop']).stdout;
    strictEqual(documents(yaml)[1], before[1], 'the cluster-scoped ClusterRole is untouched');
    match(documents(yaml)[0] ?? '', /name: api-token # mounted by the rollout below\n {2}namespace: shop\n/);
  });

  it('prints a clear error, not a stack trace, for a List with a null item', () => {
    const run = cli(['inject', '-p', 'policies', '-f', '-'], 'apiVersion: v1\nkind: List\nitems:\n  - null\n');
    strictEqual(run.code, 1);
    strictEqual(run.stdout, '');
    strictEqual(
      run.stderr,
      'error: <stdin>:4: document 1: items[0] is not a Kubernetes object (a mapping with apiVersion and kind); it is null\n',
    );
    doesNotMatch(run.stderr, /TypeError|at .*\.js/);
  });

  it('keeps -o patch to what the webhook would send: no namespace op', () => {
    const run = cli(['inject', '-p', 'policies', '-f', FILE, '-n', 'shop', '-o', 'patch']);
    strictEqual(run.code, 0, run.stderr);
    ok(!run.stdout.includes('/metadata/namespace'));
  });

  describe('leaves out what the webhook configuration never sends', () => {
    const SCOPE = rel('scope.yaml');
    const injectedNames = (stdout: string): unknown[] =>
      (
        JSON.parse(stdout) as {
          items: { spec: { template: { metadata: { annotations?: Record<string, string> } } } }[];
        }
      ).items.map((d) => d.spec.template.metadata.annotations?.['init-injector.io/injected']);

    it("does not inject into init-injector's own Deployment (label init-injector.io/inject=disabled), and says so", () => {
      const run = cli(['inject', '-p', 'policies', '-f', SCOPE, '-o', 'json']);
      strictEqual(run.code, 0, run.stderr);
      deepStrictEqual(injectedNames(run.stdout), [undefined, 'init-demo,network-check']);
      strictEqual(
        run.stderr,
        "excluded: Deployment/init-injector: its pod label init-injector.io/inject=disabled: the webhook's objectSelector never sends such a pod\n",
      );
    });

    it('does not inject into kube-system, and applies the namespace rule of --mode', () => {
      const system = cli(['inject', '-p', 'policies', '-f', SCOPE, '-n', 'kube-system', '-o', 'json']);
      deepStrictEqual(injectedNames(system.stdout), [undefined, undefined]);
      match(
        system.stderr,
        /^excluded: Deployment\/web: namespace kube-system is never selected by the webhook configuration$/m,
      );
      const optIn = ['inject', '-p', 'policies', '-f', SCOPE, '-n', 'shop', '--mode', 'opt-in', '-o', 'json'];
      deepStrictEqual(injectedNames(cli(optIn).stdout), [undefined, undefined]);
      match(
        cli(optIn).stderr,
        /^excluded: Deployment\/web: namespace shop lacks the label init-injector\.io\/inject=enabled/m,
      );
      const enabled = cli([...optIn, '--namespace-labels', 'init-injector.io/inject=enabled']);
      deepStrictEqual(injectedNames(enabled.stdout), [undefined, 'init-demo,network-check']);
      const clusterWide = cli([
        'inject',
        '-p',
        'policies',
        '-f',
        SCOPE,
        '-n',
        'shop',
        '--mode',
        'cluster-wide',
        '-o',
        'json',
      ]);
      deepStrictEqual(injectedNames(clusterWide.stdout), [undefined, 'init-demo,network-check']);
    });

    it('--verbose shows a policy the namespace index rules out as no_match, naming match.namespaces', () => {
      const run = cli(['inject', '-p', rel('reasons-policytest', 'policies'), '-f', SCOPE, '-n', 'shop', '--verbose']);
      strictEqual(run.code, 0, run.stderr);
      match(run.stderr, /^payments-only: skipped for Deployment\/web: namespace shop is not in match\.namespaces$/m);
    });
  });
});
