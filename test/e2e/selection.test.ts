/**
 * Which requests reach the webhook (docs/install.md), decided by the real API server from the
 * MutatingWebhookConfiguration: opt-in and cluster-wide namespace selectors, the system namespaces,
 * the objectSelector label and the opt-out annotation (matchConditions), and pods the controller
 * manager creates from a Deployment. Every assertion is on the Pod the API server stored.
 */
import assert from 'node:assert/strict';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import {
  createNamespace,
  createPod,
  INJECT_LABEL,
  initNames,
  podManifest,
  ROUTE_LABEL,
  toKube,
  uniqueName,
  waitFor,
  type ControlPlane,
  type WebhookServer,
} from './harness/index.js';
import { getControlPlane, injected, registerAndWait, shippedWebhook } from './support/fixtures.js';
import {
  alwaysPolicies,
  expectedInitContainers,
  expectedInjectedAnnotation,
  policyFacts,
  SHIPPED_POLICIES_DIR,
} from './support/policies.js';

const INJECTED = 'init-injector.io/injected';

describe('e2e: which pods the API server sends to the webhook', function () {
  let cp: ControlPlane;
  let shipped: WebhookServer;
  const defaults = alwaysPolicies(policyFacts(SHIPPED_POLICIES_DIR));
  const cleanups: (() => Promise<void>)[] = [];

  before(async function () {
    cp = await getControlPlane();
    shipped = await shippedWebhook(cp);
  });

  after(async function () {
    for (const cleanup of cleanups) await cleanup();
  });

  function assertDefaultInjection(pod: V1Pod, own: readonly string[] = []): void {
    assert.ok(defaults.length > 0, 'the shipped policies have Always policies to inject');
    assert.deepEqual(initNames(pod), expectedInitContainers(defaults, own));
    assert.equal(pod.metadata?.annotations?.[INJECTED], expectedInjectedAnnotation(defaults));
  }

  describe('opt-in configuration', function () {
    let labelled: string;
    let unlabelled: string;

    before(async function () {
      const route = 'opt-in';
      labelled = await createNamespace(cp, 'optin', { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'enabled' });
      unlabelled = await createNamespace(cp, 'optin-off', { [ROUTE_LABEL]: route });
      cleanups.push(
        await registerAndWait(
          cp,
          { name: 'e2e-opt-in', url: shipped.url, caPem: cp.pki.ca.certPem, mode: 'opt-in', route },
          labelled,
          injected,
        ),
      );
    });

    it("injects the shipped Always policies, in the documented order, around the pod's own init containers", async function () {
      const own = { name: 'own-init', image: 'busybox:1.37.0', command: ['true'] };
      const pod = await createPod(cp, labelled, podManifest('app', { initContainers: [own] }));
      assertDefaultInjection(pod, ['own-init']);
    });

    it('is called again after ServiceAccount admission mounts the token into our init containers, and adds nothing', async function () {
      // The API server re-runs its built-in mutating plugins after a webhook changed the pod; the
      // ServiceAccount plugin then mounts the token into the injected init containers, which counts
      // as a change, so our webhook (reinvocationPolicy IfNeeded) is called a second time.
      const before = await shipped.admissionCount();
      const pod = await createPod(cp, labelled, podManifest(uniqueName('twice')));
      assert.equal((await shipped.admissionCount()) - before, 2, 'called, then re-invoked once');
      assertDefaultInjection(pod);
      for (const c of pod.spec?.initContainers ?? []) {
        assert.ok(
          c.volumeMounts?.some((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount'),
          `${c.name} got the service account token mount`,
        );
      }
    });

    it('does not call the webhook for a namespace without init-injector.io/inject=enabled', async function () {
      const before = await shipped.admissionCount();
      await createPod(cp, labelled, podManifest(uniqueName('counted')));
      const afterLabelled = await shipped.admissionCount();
      assert.ok(afterLabelled > before, 'the labelled namespace reaches the webhook (the metric counts)');
      const pod = await createPod(cp, unlabelled, podManifest('app'));
      assert.deepEqual(initNames(pod), []);
      assert.equal(pod.metadata?.annotations?.[INJECTED], undefined);
      assert.equal(await shipped.admissionCount(), afterLabelled, 'no admission request for the unlabelled namespace');
    });

    it('skips a pod labelled init-injector.io/inject=disabled without calling the webhook (objectSelector)', async function () {
      const before = await shipped.admissionCount();
      const pod = await createPod(
        cp,
        labelled,
        podManifest(uniqueName('label-opt-out'), { labels: { [INJECT_LABEL]: 'disabled' } }),
      );
      assert.deepEqual(initNames(pod), []);
      assert.equal(await shipped.admissionCount(), before);
    });

    it('skips a pod annotated init-injector.io/inject: "false" without calling the webhook (matchConditions)', async function () {
      const before = await shipped.admissionCount();
      const pod = await createPod(
        cp,
        labelled,
        podManifest(uniqueName('annotation-opt-out'), { annotations: { [INJECT_LABEL]: 'false' } }),
      );
      assert.deepEqual(initNames(pod), []);
      assert.equal(pod.metadata?.annotations?.[INJECTED], undefined);
      assert.equal(await shipped.admissionCount(), before);
    });

    it("injects the pods a Deployment's ReplicaSet creates from generateName", async function () {
      const name = uniqueName('web');
      await cp.appsApi.createNamespacedDeployment({
        namespace: labelled,
        body: toKube<V1Deployment>({
          metadata: { name },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: name } },
            template: { metadata: { labels: { app: name } }, spec: podManifest('x').spec! },
          },
        }),
      });
      const pods = await waitFor(
        '2 pods of the Deployment',
        async () => {
          const list = await cp.coreApi.listNamespacedPod({ namespace: labelled, labelSelector: `app=${name}` });
          return list.items.length === 2 ? list.items : undefined;
        },
        60_000,
        500,
      );
      for (const pod of pods) {
        assert.match(pod.metadata?.generateName ?? '', new RegExp(`^${name}-[a-z0-9]+-$`), 'created by the ReplicaSet');
        assert.ok(pod.metadata?.name?.startsWith(pod.metadata.generateName ?? '?'));
        assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'ReplicaSet');
        assertDefaultInjection(pod);
      }
    });
  });

  describe('cluster-wide configuration', function () {
    const route = 'cluster-wide';
    let plain: string;

    before(async function () {
      plain = await createNamespace(cp, 'cw', { [ROUTE_LABEL]: route });
      cleanups.push(
        await registerAndWait(
          cp,
          { name: 'e2e-cluster-wide', url: shipped.url, caPem: cp.pki.ca.certPem, mode: 'cluster-wide', route },
          plain,
          injected,
        ),
      );
    });

    it('injects pods in a namespace with no init-injector label at all', async function () {
      assertDefaultInjection(await createPod(cp, plain, podManifest('app')));
    });

    it('does not call the webhook for a namespace labelled init-injector.io/inject=disabled', async function () {
      const disabled = await createNamespace(cp, 'cw-off', { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'disabled' });
      const before = await shipped.admissionCount();
      const pod = await createPod(cp, disabled, podManifest('app'));
      assert.deepEqual(initNames(pod), []);
      assert.equal(await shipped.admissionCount(), before);
    });

    it('never calls the webhook for kube-system, even when it carries the route label', async function () {
      const patch = [{ op: 'add', path: `/metadata/labels/${ROUTE_LABEL.replace('/', '~1')}`, value: route }];
      await cp.coreApi.patchNamespace({ name: 'kube-system', body: patch });
      try {
        const before = await shipped.admissionCount();
        const pod = await createPod(cp, 'kube-system', podManifest(uniqueName('sys')));
        assert.deepEqual(initNames(pod), []);
        assert.equal(await shipped.admissionCount(), before);
        await cp.coreApi.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: 'kube-system' });
      } finally {
        const remove = [{ op: 'remove', path: `/metadata/labels/${ROUTE_LABEL.replace('/', '~1')}` }];
        await cp.coreApi.patchNamespace({ name: 'kube-system', body: remove });
      }
    });
  });
});
