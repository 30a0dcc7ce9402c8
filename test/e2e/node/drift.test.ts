/**
 * `status` and `explain` against the real cluster: a Deployment injected under version 1 of a policy
 * is current; after the policy changes it is outdated by name and digest; `--restart-outdated --yes`
 * rolls it (the kubelet runs the new pods) and its new pods are current; a pod created while the
 * webhook could not be reached, under failurePolicy Ignore, is missing the policy.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dump } from 'js-yaml';
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import {
  appContainer,
  createNamespace,
  createPod,
  dryRunPod,
  freePort,
  INJECT_LABEL,
  podManifest,
  REPO_ROOT,
  registerWebhook,
  runCommand,
  ROUTE_LABEL,
  startTrackedWebhook,
  toKube,
  waitFor,
  webhookConfiguration,
  type CommandResult,
  type ControlPlane,
  type WebhookServer,
} from '../harness/index.js';
import { getControlPlane, injected, registerAndWait } from '../support/fixtures.js';
import { getNode, nodeSuite, NODE_TAINT } from './index.js';
import { RESTRICTED } from './pods.js';

const DIGESTS = 'init-injector.io/digests';

function gatePolicy(version: string): string {
  return dump({
    apiVersion: 'init-injector.io/v1alpha1',
    kind: 'InjectionPolicy',
    metadata: { name: 'gate' },
    spec: {
      initContainers: [
        {
          name: 'gate',
          image: 'busybox:1.37.0',
          command: ['sh', '-c', `echo gate ${version}`],
          securityContext: RESTRICTED,
          resources: { requests: { cpu: '5m', memory: '8Mi' }, limits: { cpu: '50m', memory: '16Mi' } },
        },
      ],
    },
  });
}

/** The CLI from dist/, as a user runs it. */
function cli(args: readonly string[]): Promise<CommandResult> {
  return runCommand(process.execPath, [path.join(REPO_ROOT, 'bin', 'init-injector.js'), ...args]);
}

interface Workload {
  kind: string;
  name: string;
  pods: number;
  current: number;
  outdated: number;
  missing: number;
  outdatedPolicies: string[];
  missingPolicies: string[];
}

nodeSuite('e2e node: status, explain and --restart-outdated on a real cluster', function () {
  let cp: ControlPlane;
  let webhook: WebhookServer;
  let policies: string;
  let ns: string;
  const unregister: (() => Promise<void>)[] = [];

  before(async function () {
    this.timeout(0);
    cp = await getControlPlane();
    await getNode();
    policies = path.join(cp.dir, 'drift-policies');
    mkdirSync(policies, { recursive: true });
    writeFileSync(path.join(policies, 'gate.yaml'), gatePolicy('v1'));
    webhook = await startTrackedWebhook(cp, 'drift', { 'gate.yaml': gatePolicy('v1') });
    const route = 'node-drift';
    ns = await createNamespace(cp, 'drift', { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'enabled' });
    unregister.push(
      await registerAndWait(
        cp,
        { name: 'e2e-node-drift', url: webhook.url, caPem: cp.pki.ca.certPem, mode: 'opt-in', route },
        ns,
        injected,
      ),
    );
  });

  after(async function () {
    for (const u of unregister) await u();
  });

  const status = async (
    namespace: string,
    ...extra: string[]
  ): Promise<{ run: CommandResult; workloads: Workload[] }> => {
    const run = await cli([
      'status',
      '-p',
      policies,
      '-n',
      namespace,
      '--kubeconfig',
      cp.kubeconfigPath,
      '-o',
      'json',
      ...extra,
    ]);
    assert.ok(run.code === 0 || run.code === 3, `status exited ${String(run.code)}: ${run.stderr}`);
    return { run, workloads: (JSON.parse(run.stdout) as { workloads: Workload[] }).workloads };
  };

  it('reports a Deployment current, outdated by digest after the policy changes, and current again after the restart', async function () {
    this.timeout(240_000);
    const labels = { app: 'web' };
    const deployment = toKube<V1Deployment>({
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [appContainer()],
            tolerations: [{ key: NODE_TAINT, operator: 'Exists', effect: 'NoSchedule' }],
            terminationGracePeriodSeconds: 1,
          },
        },
      },
    });
    await cp.appsApi.createNamespacedDeployment({ namespace: ns, body: deployment });
    const ready = (): Promise<true> =>
      waitFor(
        'Deployment web: 2 updated, ready replicas and no old ones',
        async () => {
          const d = await cp.appsApi.readNamespacedDeployment({ name: 'web', namespace: ns });
          const s = d.status;
          const done =
            (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
            s?.updatedReplicas === 2 &&
            s.readyReplicas === 2 &&
            s.replicas === 2;
          return done ? true : undefined;
        },
        120_000,
        500,
      );
    await ready();
    const v1 = await status(ns);
    assert.equal(v1.run.code, 0, v1.run.stdout);
    assert.deepEqual(
      v1.workloads.map((w) => [w.kind, w.name, w.pods, w.current]),
      [['Deployment', 'web', 2, 2]],
    );
    const [pod] = (await cp.coreApi.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
    const recorded = /gate=([0-9a-f]{12})/.exec(pod?.metadata?.annotations?.[DIGESTS] ?? '')?.[1];
    assert.ok(recorded !== undefined, 'the pod records the digest of gate');

    // Version 2 of the policy, for the webhook and for the report.
    writeFileSync(path.join(policies, 'gate.yaml'), gatePolicy('v2'));
    await webhook.replacePolicies({ 'gate.yaml': gatePolicy('v2') });
    await waitFor(
      'the webhook to serve gate v2',
      async () => {
        const probe = await dryRunPod(cp, ns, podManifest('probe'));
        return JSON.stringify(probe.spec?.initContainers).includes('gate v2') ? true : undefined;
      },
      20_000,
      200,
    );
    const v2 = await status(ns);
    assert.equal(v2.run.code, 3, 'drift is exit status 3');
    // The same report from the ConfigMap the webhook would mount (-p configmap/NAMESPACE/NAME).
    await cp.coreApi.createNamespacedConfigMap({
      namespace: ns,
      body: toKube<V1ConfigMap>({ metadata: { name: 'policies' }, data: { 'gate.yaml': gatePolicy('v2') } }),
    });
    const fromCluster = await cli([
      'status',
      '-p',
      `configmap/${ns}/policies`,
      '-n',
      ns,
      '--kubeconfig',
      cp.kubeconfigPath,
      '-o',
      'json',
    ]);
    assert.equal(fromCluster.stdout, v2.run.stdout, fromCluster.stderr);
    const [web] = v2.workloads;
    assert.deepEqual([web?.pods, web?.current, web?.outdated], [2, 0, 2]);
    const [pair] = web?.outdatedPolicies ?? [];
    assert.match(pair ?? '', new RegExp(`^gate ${recorded} -> [0-9a-f]{12}$`));
    assert.doesNotMatch(pair ?? '', new RegExp(`-> ${recorded}$`));
    assert.match(
      (await cli(['status', '-p', policies, '-n', ns, '--kubeconfig', cp.kubeconfigPath])).stdout,
      /Deployment .*\/web +2 +0 +2 +0 +gate /,
    );

    const explained = await cli([
      'explain',
      '-p',
      policies,
      `pod/${pod?.metadata?.name ?? ''}`,
      '-n',
      ns,
      '--kubeconfig',
      cp.kubeconfigPath,
    ]);
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /: outdated\n/);
    assert.match(explained.stdout, new RegExp(`gate +outdated +\\S+ +gate +${recorded} -> `));

    const generation = (await cp.appsApi.readNamespacedDeployment({ name: 'web', namespace: ns })).metadata?.generation;
    const dry = await status(ns, '--restart-outdated');
    assert.match(
      dry.run.stderr,
      new RegExp(`would restart Deployment ${ns}/web \\(2 outdated, 0 missing of 2 pods\\)`),
    );
    assert.match(dry.run.stderr, /dry run: nothing was changed/);
    assert.equal(
      (await cp.appsApi.readNamespacedDeployment({ name: 'web', namespace: ns })).metadata?.generation,
      generation,
    );

    const rolled = await status(ns, '--restart-outdated', '--yes', '--interval', '0', '--timeout', '120');
    assert.equal(rolled.run.code, 3, `the report before the restart had drift: ${rolled.run.stderr}`);
    assert.match(
      rolled.run.stderr,
      new RegExp(`restarted Deployment ${ns}/web .*kubectl\\.kubernetes\\.io/restartedAt=`),
    );
    assert.match(rolled.run.stderr, new RegExp(`Deployment ${ns}/web rolled out`));
    await ready();
    const after = await status(ns);
    assert.equal(after.run.code, 0, after.run.stdout);
    assert.deepEqual(
      after.workloads.map((w) => [w.kind, w.name, w.pods, w.current]),
      [['Deployment', 'web', 2, 2]],
    );
    await cp.appsApi.deleteNamespacedDeployment({ name: 'web', namespace: ns });
  });

  it('reports a pod created while the webhook was unreachable (failurePolicy Ignore) as missing the policy', async function () {
    const route = 'node-drift-down';
    const down = await createNamespace(cp, 'drift-down', { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'enabled' });
    const closed = await freePort();
    const options = {
      name: 'e2e-node-drift-down',
      url: `https://127.0.0.1:${String(closed)}/mutate`,
      caPem: cp.pki.ca.certPem,
      mode: 'opt-in' as const,
      route,
      failurePolicy: 'Ignore' as const,
      timeoutSeconds: 2,
    };
    unregister.push(await registerWebhook(cp, webhookConfiguration(options)));
    const lost = await createPod(cp, down, podManifest('lost'));
    assert.equal(lost.metadata?.annotations?.['init-injector.io/injected'], undefined, 'admitted without injection');
    const report = await status(down);
    assert.equal(report.run.code, 3);
    assert.deepEqual(
      report.workloads.map((w) => [w.kind, w.name, w.missing, w.missingPolicies]),
      [['Pod', 'lost', 1, ['gate']]],
    );
    const explained = await cli([
      'explain',
      '-p',
      policies,
      'pod/lost',
      '-n',
      down,
      '--kubeconfig',
      cp.kubeconfigPath,
      '-o',
      'json',
    ]);
    assert.equal(explained.code, 0, explained.stderr);
    const [e] = JSON.parse(explained.stdout) as {
      summary: string;
      rows: { policy: string; state: string; decision: string }[];
    }[];
    assert.equal(e?.summary, 'missing');
    assert.deepEqual(
      e.rows.map((r) => [r.policy, r.state, r.decision]),
      [['gate', 'missing', 'inject']],
    );
  });
});
