/**
 * A Deployment in a namespace that enforces Pod Security `restricted`: the controller manager makes
 * the pods, the API server's Pod Security admission accepts them with our init containers, the
 * scheduler binds them to the node and the kubelet runs them to Ready.
 */
import assert from 'node:assert/strict';
import type { V1Deployment } from '@kubernetes/client-node';
import { appContainer, initNames, toKube, waitFor } from '../harness/index.js';
import { nodeSuite, NODE_NAME, NODE_TAINT } from './index.js';
import { describeStatus, statusOf } from './pods.js';
import { nodeWorldHooks } from './shared.js';

nodeSuite('e2e node: a Deployment under Pod Security restricted', function () {
  const suite = nodeWorldHooks('node-deploy');

  it('has its pods injected, scheduled and Ready', async function () {
    const { cp, world } = suite;
    const ns = await world.namespace('restricted', {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    });
    const labels = { app: 'kiada' };
    const deployment = toKube<V1Deployment>({
      metadata: { name: 'kiada', namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: { 'init-injector.io/network-check.target': '127.0.0.1' } },
          spec: {
            containers: [appContainer()],
            tolerations: [{ key: NODE_TAINT, operator: 'Exists', effect: 'NoSchedule' }],
            terminationGracePeriodSeconds: 1,
          },
        },
      },
    });
    await cp.appsApi.createNamespacedDeployment({ namespace: ns, body: deployment });
    try {
      await waitFor(
        'Deployment kiada: 2 ready replicas',
        async () => {
          const d = await cp.appsApi.readNamespacedDeployment({ name: 'kiada', namespace: ns });
          return d.status?.readyReplicas === 2 ? true : undefined;
        },
        120_000,
        500,
      );
      const pods = (await cp.coreApi.listNamespacedPod({ namespace: ns, labelSelector: 'app=kiada' })).items;
      assert.equal(pods.length, 2);
      for (const pod of pods) {
        assert.equal(pod.spec?.nodeName, NODE_NAME);
        assert.deepEqual(initNames(pod), ['init-demo', 'network-check']);
        for (const name of ['init-demo', 'network-check']) {
          assert.equal(statusOf(pod, name).state?.terminated?.exitCode, 0, describeStatus(pod));
        }
        assert.equal(statusOf(pod, 'app').ready, true);
      }
    } finally {
      await cp.appsApi.deleteNamespacedDeployment({ name: 'kiada', namespace: ns });
    }
  });
});
