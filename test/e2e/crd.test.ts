/**
 * The InjectionPolicy CRD (deploy/crds/, generated from the zod schema) against the real API
 * server: it is accepted and becomes Established, every shipped policy applies as an object and
 * reads back with its printer columns, and the API server itself refuses a bad policy with the
 * field path, as `kubectl apply` shows it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  dryRunPod,
  podManifest,
  REPO_ROOT,
  runCommand,
  startTrackedWebhook,
  waitFor,
  type ControlPlane,
} from './harness/index.js';
import { httpsGet } from './harness/net.js';
import { demoPolicy, installCrd, optInTo, removeCrd, withBrokenCondition } from './support/crd.js';
import { getControlPlane } from './support/fixtures.js';

const POLICIES = path.join(REPO_ROOT, 'policies');

describe('e2e: the InjectionPolicy CRD', function () {
  let cp: ControlPlane;

  before(async function () {
    cp = await getControlPlane();
    await installCrd(cp);
  });

  after(async function () {
    await removeCrd(cp);
  });

  it('takes every shipped policy as an object, and lists them with mode, priority and action', async function () {
    const files = readdirSync(POLICIES).filter((f) => f.endsWith('.yaml'));
    for (const file of files) {
      const r = await cp.kubectl(['apply', '--server-side', '-f', path.join(POLICIES, file)]);
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
    }
    const list = await cp.kubectl(['get', 'injectionpolicies']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME +MODE +PRIORITY +ACTION +READY +AGE$/m);
    assert.match(list.stdout, /^network-check +Always +20 +Inject /m);
    assert.match(list.stdout, /^cert-fetcher +OnRequest +30 +Inject /m);
    const stored = await cp.kubectl(['get', 'injectionpolicy', 'network-check', '-o', 'json']);
    const spec = (JSON.parse(stored.stdout) as { spec: { initContainers: { args?: string[] }[] } }).spec;
    assert.deepEqual(spec.initContainers[0]?.args, ['{{ params.target }}'], 'the container spec is kept as written');
  });

  it('validate checks the objects from the cluster, and exported objects as files, as the webhook would', async function () {
    const cli = (args: string[]) =>
      runCommand(process.execPath, [path.join(REPO_ROOT, 'bin', 'init-injector.js'), ...args]);
    const live = await cli(['validate', '--from-cluster', '--kubeconfig', cp.kubeconfigPath]);
    assert.equal(live.code, 0, live.stderr);
    assert.equal(live.stdout, '5 policies valid\n');

    const exported = await cp.kubectl(['get', 'injectionpolicies', '-o', 'yaml']);
    const file = path.join(cp.dir, 'exported-policies.yaml');
    writeFileSync(file, exported.stdout);
    const offline = await cli(['validate', file]);
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(offline.stdout, '5 policies valid\n');

    // The shipped PolicyTest suites pass against the objects, as they do against the files.
    const tests = await cli([
      'test',
      path.join(POLICIES, 'tests'),
      '--from-cluster',
      '--kubeconfig',
      cp.kubeconfigPath,
    ]);
    assert.equal(tests.code, 0, tests.stdout + tests.stderr);
    assert.match(tests.stdout, /^\d+ passed, 0 failed$/m);

    // inject (and explain, status) take the objects as their policies.
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: [{name: app, image: example.com/app:1}]}\n';
    writeFileSync(path.join(cp.dir, 'crd-pod.yaml'), pod);
    const injected = await cli([
      'inject',
      '-p',
      'injectionpolicies.init-injector.io',
      '--kubeconfig',
      cp.kubeconfigPath,
      '-f',
      path.join(cp.dir, 'crd-pod.yaml'),
    ]);
    assert.equal(injected.code, 0, injected.stderr);
    assert.match(injected.stdout, /init-injector\.io\/injected: "init-demo,network-check"/);
    // The API server stores keys sorted, so compare the JSON output as data, not as text.
    const asJson = async (source: string): Promise<unknown> =>
      JSON.parse(
        (
          await cli([
            'inject',
            '-p',
            source,
            '--kubeconfig',
            cp.kubeconfigPath,
            '-f',
            path.join(cp.dir, 'crd-pod.yaml'),
            '-o',
            'json',
          ])
        ).stdout,
      );
    assert.deepEqual(
      await asJson('injectionpolicies.init-injector.io'),
      await asJson(POLICIES),
      'the objects inject what the files do, digests included',
    );

    // What only the webhook can check: a CEL condition that does not compile passes the CRD schema.
    const broken = withBrokenCondition(demoPolicy('broken-cel', '1'));
    const applied = await cp.kubectl(['apply', '--server-side', '-f', '-'], broken);
    assert.equal(applied.code, 0, applied.stderr);
    const refused = await cli(['validate', '--from-cluster', '--kubeconfig', cp.kubeconfigPath]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^injectionpolicy\/broken-cel: spec\.match\.conditions\[0\]\.expression: /m);
    await cp.kubectl(['delete', 'injectionpolicy', 'broken-cel']);
  });

  it('serve --policy-source crd injects the objects, follows changes in seconds and keeps the last good set', async function () {
    this.timeout(90_000);
    const gate = (version: string): string => demoPolicy('gate', version);
    assert.equal((await cp.kubectl(['apply', '--server-side', '-f', '-'], gate('1'))).code, 0);
    const webhook = await startTrackedWebhook(cp, 'crd-source', {}, 'crd');
    const { ns, unregister } = await optInTo(cp, webhook, 'crd-source');
    try {
      const gateImage = async (): Promise<string | undefined> =>
        (await dryRunPod(cp, ns, podManifest('probe'))).spec?.initContainers?.find((c) => c.name === 'gate')?.image;
      assert.equal(await gateImage(), 'example.com/gate:1');

      const changed = Date.now();
      assert.equal((await cp.kubectl(['apply', '--server-side', '-f', '-'], gate('2'))).code, 0);
      await waitFor(
        'gate:2 in new pods',
        async () => ((await gateImage()) === 'example.com/gate:2' ? true : undefined),
        10_000,
        50,
      );
      console.log(`      (the change reached new pods ${String(Date.now() - changed)} ms after kubectl apply)`);

      // An object the CRD takes but the webhook cannot compile: the last good set keeps serving.
      const broken = withBrokenCondition(demoPolicy('broken', '3'));
      assert.equal((await cp.kubectl(['apply', '--server-side', '-f', '-'], broken)).code, 0);
      const readyz = async (): Promise<string> =>
        (await httpsGet(`https://127.0.0.1:${String(webhook.port)}/readyz`, { ca: cp.pki.ca.certPem })).body;
      await waitFor(
        'the bad object in /readyz',
        async () => ((await readyz()).includes('injectionpolicy/broken') ? true : undefined),
        10_000,
        100,
      );
      assert.equal(await gateImage(), 'example.com/gate:2');
      assert.match(await readyz(), /"ready":true/);

      await cp.kubectl(['delete', 'injectionpolicy', 'broken', 'gate']);
      await waitFor(
        'gate gone from new pods',
        async () => ((await gateImage()) === undefined ? true : undefined),
        10_000,
        100,
      );
      assert.doesNotMatch(await readyz(), /injectionpolicy\/broken/);
    } finally {
      await unregister();
      await webhook.stop();
    }
  });

  it('is refused by the API server with the field path when a field has a wrong value, type or name', async function () {
    const base = readFileSync(path.join(POLICIES, 'init-demo.yaml'), 'utf8').replace(
      'name: init-demo\n',
      'name: bad-demo\n',
    );
    const cases: [string, string, RegExp][] = [
      ['mode: Always', 'mode: Sometimes', /spec\.mode: Unsupported value: "Sometimes"/],
      ['priority: 10', 'priority: ten', /\.spec\.priority: expected numeric \(int or float\), got string/],
      ['mode: Always', 'mode: Always\n  colour: blue', /\.spec\.colour: field not declared in schema/],
      [
        '      image: luksa/init-demo:1.0',
        '      image: luksa/init-demo:1.0\n      imagePullPolcy: Always',
        /\.spec\.initContainers\[name="init-demo"\]\.imagePullPolcy: field not declared in schema|\.spec\.initContainers\[0\]\.imagePullPolcy: field not declared in schema/,
      ],
    ];
    for (const [from, to, expected] of cases) {
      const text = base.replace(from, to);
      assert.notEqual(text, base, `the case "${to}" changed nothing`);
      const r = await cp.kubectl(['apply', '--server-side', '--field-manager=e2e', '-f', '-'], text);
      assert.notEqual(r.code, 0, `accepted: ${to}`);
      assert.match(r.stderr, expected);
    }
    const name = await cp.kubectl(
      ['apply', '--server-side', '-f', '-'],
      base.replace('name: bad-demo', 'name: Bad_Demo'),
    );
    assert.notEqual(name.code, 0);
    assert.match(name.stderr, /metadata\.name|Bad_Demo/);
  });

  it('takes the pull Secrets, anchor and typed parameters, and refuses what breaks their rules with the field path', async function () {
    const warmer = `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata:
  name: warmer
spec:
  anchor:
    after: proxy
  imagePullSecrets:
    - name: registry-a
  parameters:
    - name: memory
      type: Quantity
      minimum: 64Mi
      maximum: 1Gi
      default: 128Mi
    - name: wait
      type: Duration
      maximum: 2m
      default: 30s
  initContainers:
    - name: warmer
      image: example.com/warmer:1
      args: ['--wait={{ params.wait }}']
      resources:
        limits:
          memory: '{{ params.memory }}'
`;
    const apply = (text: string) =>
      cp.kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=e2e', '-f', '-'], text);
    const good = await apply(warmer);
    assert.equal(good.code, 0, good.stderr);
    const cases: [string, string, RegExp][] = [
      [
        '    - name: registry-a\n',
        '    - name: registry-a\n    - name: registry-a\n',
        // Server-side apply's structured merge names the list and the key.
        /\.spec\.imagePullSecrets: duplicate entries for key \[name="registry-a"\]/,
      ],
      [
        '    after: proxy\n',
        '    after: proxy\n    before: proxy\n',
        /spec\.anchor: Invalid value: (?:"object": )?set exactly one of anchor\.before and anchor\.after/,
      ],
      [
        '      minimum: 64Mi\n',
        '      minimum: 2Gi\n',
        /spec\.parameters\[0\]: Invalid value: (?:"object": )?a Quantity parameter must have minimum <= default <= maximum/,
      ],
      [
        '      default: 30s\n',
        '      default: 30 seconds\n',
        /spec\.parameters\[1\]: Invalid value: (?:"object": )?minimum, maximum and default of a Duration parameter must be durations/,
      ],
    ];
    for (const [from, to, expected] of cases) {
      const text = warmer.replace(from, to);
      assert.notEqual(text, warmer, `the case "${to.trim()}" changed nothing`);
      const r = await apply(text);
      assert.notEqual(r.code, 0, `accepted: ${to.trim()}`);
      assert.match(r.stderr, expected);
    }
  });
});
