// values.schema.json and the chart's own checks: bad values make `helm template` fail with a message
// naming the value, and each documented value has the effect values.yaml promises.
import { deepStrictEqual, match, ok, strictEqual } from 'node:assert/strict';
import { CHART, one, renderChart, renderChartError, runTool, type KubeObject } from './support/render.js';
import { ensureDeployTools } from './tools.js';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- rendered YAML is untyped; each field is checked */
const webhook = (objects: KubeObject[]): any => (one(objects, 'MutatingWebhookConfiguration') as any).webhooks[0];
const container = (objects: KubeObject[]): any => (one(objects, 'Deployment') as any).spec.template.spec.containers[0];

describe('deploy: Helm chart values', function () {
  this.timeout(60_000);

  for (const mode of ['opt-in', 'cluster-wide']) {
    it(`passes helm lint --strict in ${mode} mode`, () => {
      const run = runTool(ensureDeployTools().helm, ['lint', '--strict', CHART, '--set', `mode=${mode}`]);
      strictEqual(run.status, 0, run.stdout + run.stderr);
      match(run.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
  }

  const rejected: [string[], RegExp][] = [
    [['mode=everywhere'], /at '\/mode': value must be one of 'opt-in', 'cluster-wide'/],
    [['webhook.timeoutSeconds=0'], /at '\/webhook\/timeoutSeconds': minimum: got 0, want 1/],
    [['webhook.timeoutSeconds=31'], /at '\/webhook\/timeoutSeconds': maximum: got 31, want 30/],
    [['webhook.failurePolicy=Sometimes'], /at '\/webhook\/failurePolicy': value must be one of 'Fail', 'Ignore'/],
    [['replicaCount=0'], /at '\/replicaCount': minimum: got 0, want 1/],
    [['image.digest=latest'], /at '\/image\/digest'/],
    [['image.repository='], /at '\/image\/repository'/],
    [['replicas=3'], /additional properties 'replicas' not allowed/],
    [['certManager.issuerRef.kind=ClusterIssuer'], /issuerRef.*name|name.*issuerRef|missing.*name|property 'name'/i],
    [['policies.inline.notes\\.txt=x'], /'notes\.txt' does not match pattern/],
    [['webhook.excludeNamespaces={Bad_NS}'], /at '\/webhook\/excludeNamespaces\/0'/],
  ];
  for (const [sets, message] of rejected) {
    it(`rejects ${sets.join(' ')} with a message naming the value`, () => {
      match(renderChartError(sets), message);
    });
  }

  it('refuses skipOptedOutPods=true when a policy is required, naming the file', () => {
    const err = renderChartError([
      'webhook.skipOptedOutPods=true',
      'policies.inline.must\\.yaml=spec:\n  required: true\n',
    ]);
    match(err, /skipOptedOutPods=true would let pods opt out of the required policy in must\.yaml/);
  });

  it('defaults failurePolicy and timeoutSeconds per mode, and lets both be set', () => {
    deepStrictEqual(
      [webhook(renderChart(['mode=opt-in'])), webhook(renderChart(['mode=cluster-wide']))].map((w) => [
        w.failurePolicy,
        w.timeoutSeconds,
      ]),
      [
        ['Fail', 5],
        ['Ignore', 3],
      ],
    );
    const w = webhook(renderChart(['mode=cluster-wide', 'webhook.failurePolicy=Fail', 'webhook.timeoutSeconds=10']));
    deepStrictEqual([w.failurePolicy, w.timeoutSeconds], ['Fail', 10]);
  });

  it('has no matchConditions unless skipOptedOutPods=true (required policies must still see opted-out pods)', () => {
    strictEqual(webhook(renderChart([])).matchConditions, undefined);
    const conditions = webhook(
      renderChart(['webhook.skipOptedOutPods=true', 'policies.bundled=false']),
    ).matchConditions;
    strictEqual(conditions.length, 1);
    match(conditions[0].expression, /init-injector\.io\/inject'\] != 'false'/);
  });

  it('pulls by digest when image.digest is set, else by the tag or appVersion', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    strictEqual(
      container(renderChart([`image.digest=${digest}`])).image,
      `ghcr.io/init-injector/init-injector@${digest}`,
    );
    strictEqual(container(renderChart(['image.tag=1.2.3'])).image, 'ghcr.io/init-injector/init-injector:1.2.3');
    strictEqual(container(renderChart([])).image, 'ghcr.io/init-injector/init-injector:0.1.0');
  });

  it('mounts an existing policies ConfigMap instead of rendering one', () => {
    const objects = renderChart(['policies.existingConfigMap=my-policies']);
    strictEqual(objects.filter((o) => o.kind === 'ConfigMap').length, 0);
    const volumes = (one(objects, 'Deployment') as any).spec.template.spec.volumes;
    strictEqual(volumes.find((v: any) => v.name === 'policies').configMap.name, 'my-policies');
  });

  it('with policySource=crd renders the policies as objects, reads them, and never mounts a ConfigMap', () => {
    const objects = renderChart(['policySource=crd', 'policies.inline.extra\\.yaml=kind: InjectionPolicy']);
    strictEqual(objects.filter((o) => o.kind === 'ConfigMap').length, 0);
    strictEqual(objects.filter((o) => o.kind === 'InjectionPolicy').length, 6);
    const c = container(objects);
    ok(c.args.includes('--policy-source=crd'));
    ok(c.args.includes('--status-lease=$(POD_NAMESPACE)/init-injector-policy-status'));
    ok(!c.args.some((a: string) => a.startsWith('--policies')));
    strictEqual(
      (one(objects, 'Deployment') as any).spec.template.spec.volumes.some((v: any) => v.name === 'policies'),
      false,
    );
    const lease = (one(objects, 'Role') as any).rules.find((r: any) => r.resourceNames !== undefined);
    deepStrictEqual(lease.resourceNames, ['init-injector-policy-status']);
    match(
      renderChartError(['policySource=crd', 'policies.existingConfigMap=mine']),
      /policies\.existingConfigMap goes with policySource=files/,
    );
    match(
      renderChartError([
        'policySource=crd',
        'webhook.skipOptedOutPods=true',
        'policies.bundled=false',
        'policies.inline.must\\.yaml=spec:\n  required: true\n',
      ]),
      /would let pods opt out of the required policy in must\.yaml/,
    );
    match(renderChartError(['policySource=etcd']), /policySource/);
  });

  it('adds inline policies to the bundled ones, or replaces them with bundled=false', () => {
    const data = (sets: string[]) => Object.keys((one(renderChart(sets), 'ConfigMap') as any).data ?? {}).sort();
    ok(data(['policies.inline.extra\\.yaml=kind: InjectionPolicy']).includes('extra.yaml'));
    ok(data([]).length > 0);
    deepStrictEqual(data(['policies.bundled=false', 'policies.inline.extra\\.yaml=kind: InjectionPolicy']), [
      'extra.yaml',
    ]);
  });

  it('uses a given issuer for the serving certificate and then creates no bootstrap issuers', () => {
    const objects = renderChart(['certManager.issuerRef.name=platform-ca', 'certManager.issuerRef.kind=ClusterIssuer']);
    strictEqual(objects.filter((o) => o.kind === 'Issuer').length, 0);
    deepStrictEqual(
      objects.filter((o) => o.kind === 'Certificate').map((o: any) => o.spec.issuerRef),
      [{ name: 'platform-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' }],
    );
  });

  it('sets replicas, and leaves out the PDB and NetworkPolicy when disabled', () => {
    strictEqual((one(renderChart(['replicaCount=4']), 'Deployment') as any).spec.replicas, 4);
    const objects = renderChart(['podDisruptionBudget.enabled=false', 'networkPolicy.enabled=false']);
    strictEqual(objects.filter((o) => o.kind === 'PodDisruptionBudget' || o.kind === 'NetworkPolicy').length, 0);
  });

  it('derives terminationGracePeriodSeconds from preStopSleepSeconds', () => {
    const spec = (one(renderChart(['preStopSleepSeconds=25']), 'Deployment') as any).spec.template.spec;
    strictEqual(spec.containers[0].lifecycle.preStop.sleep.seconds, 25);
    strictEqual(spec.terminationGracePeriodSeconds, 25 + 5 + 15 + 10);
  });
});
