/**
 * Our webhook among the rest of the API server's admission chain: a second mutating webhook with
 * reinvocation, Pod Security admission (restricted) and ResourceQuota, which both judge the pod
 * only after every mutation, so they see our init containers.
 */
import assert from 'node:assert/strict';
import type { V1ResourceQuota } from '@kubernetes/client-node';
import {
  createNamespace,
  dryRunPod,
  createPod,
  expectRefused,
  INJECT_LABEL,
  initNames,
  podManifest,
  registerWebhook,
  ROUTE_LABEL,
  toKube,
  waitFor,
  webhookConfiguration,
  type ControlPlane,
  type WebhookServer,
} from './harness/index.js';
import { getControlPlane, injected, registerAndWait, shippedWebhook } from './support/fixtures.js';
import { OTHER_INIT, startOtherWebhook, type OtherWebhook } from './support/other-webhook.js';
import {
  alwaysPolicies,
  expectedInitContainers,
  expectedInjectedAnnotation,
  policyFacts,
  requestAnnotations,
  SHIPPED_EXAMPLES,
  SHIPPED_POLICIES_DIR,
} from './support/policies.js';

describe("e2e: our webhook in the API server's admission chain", function () {
  let cp: ControlPlane;
  let shipped: WebhookServer;
  const facts = policyFacts(SHIPPED_POLICIES_DIR);
  const cleanups: (() => Promise<void>)[] = [];

  before(async function () {
    cp = await getControlPlane();
    shipped = await shippedWebhook(cp);
  });

  after(async function () {
    for (const cleanup of cleanups) await cleanup();
  });

  /** An opt-in namespace on its own route, with our configuration registered and effective. */
  async function optInNamespace(route: string, labels: Record<string, string> = {}): Promise<string> {
    const ns = await createNamespace(cp, route, { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'enabled', ...labels });
    const options = {
      name: `e2e-${route}`,
      url: shipped.url,
      caPem: cp.pki.ca.certPem,
      mode: 'opt-in' as const,
      route,
    };
    cleanups.push(await registerAndWait(cp, options, ns, injected));
    return ns;
  }

  describe('with a second mutating webhook (reinvocationPolicy IfNeeded on both)', function () {
    let other: OtherWebhook;
    let ns: string;

    before(async function () {
      other = await startOtherWebhook(cp.pki.ca);
      cleanups.push(() => other.close());
      ns = await optInNamespace('interplay');
      // Configurations are called in name order: ours (e2e-…) first, then this one, which changes
      // the pod, so the API server calls ours again.
      const config = webhookConfiguration({
        name: 'zz-e2e-other',
        webhookName: 'other.e2e.example.com',
        url: other.url,
        caPem: cp.pki.ca.certPem,
        mode: 'opt-in',
        route: 'interplay',
      });
      cleanups.push(await registerWebhook(cp, config));
      await waitFor(
        'the other webhook to take effect',
        async () => {
          const pod = await dryRunPod(cp, ns, podManifest('probe'));
          return initNames(pod).includes(OTHER_INIT) ? true : undefined;
        },
        20_000,
        200,
      );
    });

    it('is re-invoked after the other webhook and adds nothing twice; our order holds', async function () {
      const ours = await shipped.admissionCount();
      const theirs = other.calls();
      const own = { name: 'own-init', image: 'busybox:1.37.0', command: ['true'] };
      const pod = await createPod(cp, ns, podManifest('both', { initContainers: [own] }));
      const defaults = alwaysPolicies(facts);
      assert.deepEqual(initNames(pod), [OTHER_INIT, ...expectedInitContainers(defaults, ['own-init'])]);
      assert.equal(pod.metadata?.annotations?.['init-injector.io/injected'], expectedInjectedAnnotation(defaults));
      // First pass: ours, then the other (each changes the pod). The API server then re-runs its
      // built-in plugins (ServiceAccount mounts the token into the new init containers) and, the pod
      // having changed, re-invokes both webhooks once; neither changes anything the second time.
      assert.equal((await shipped.admissionCount()) - ours, 2, 'ours: called, then re-invoked once');
      assert.equal(other.calls() - theirs, 2, 'the other: called, then re-invoked once');
    });
  });

  it('passes Pod Security "restricted" with every shipped policy that claims to be compliant', async function () {
    const ns = await optInNamespace('pss', {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    });
    // The namespace really enforces: a root container is refused.
    const root = podManifest('root', { containers: [{ name: 'app', image: 'busybox:1.37.0' }] });
    assert.match(await expectRefused(() => createPod(cp, ns, root)), /violates PodSecurity "restricted:latest"/);

    const compliant = facts.filter((p) => !/(cannot|not) (pass|meet|run under)[^.]*restricted/i.test(p.description));
    assert.ok(compliant.length >= 1);
    const pod = await createPod(
      cp,
      ns,
      podManifest('restricted', { annotations: requestAnnotations(compliant, SHIPPED_EXAMPLES) }),
    );
    assert.deepEqual(initNames(pod), expectedInitContainers(compliant));
  });

  it('is admitted under a cpu/memory ResourceQuota: injected containers carry requests and limits', async function () {
    const ns = await optInNamespace('quota');
    const quota = {
      metadata: { name: 'compute' },
      spec: { hard: { 'requests.cpu': '2', 'requests.memory': '2Gi', 'limits.cpu': '4', 'limits.memory': '4Gi' } },
    };
    await cp.coreApi.createNamespacedResourceQuota({ namespace: ns, body: toKube<V1ResourceQuota>(quota) });
    // Quota admission refuses every pod until the controller manager has computed the quota's status.
    await waitFor(
      'ResourceQuota status',
      async () => {
        const q = await cp.coreApi.readNamespacedResourceQuota({ name: 'compute', namespace: ns });
        return q.status?.hard?.['limits.memory'] !== undefined ? true : undefined;
      },
      30_000,
      200,
    );
    // The quota is enforced: an app container without limits is refused.
    const unlimited = podManifest('unlimited', { containers: [{ name: 'app', image: 'busybox:1.37.0' }] });
    assert.match(await expectRefused(() => createPod(cp, ns, unlimited)), /must specify limits/);

    const pod = await createPod(
      cp,
      ns,
      podManifest('quota', { annotations: requestAnnotations(facts, SHIPPED_EXAMPLES) }),
    );
    assert.deepEqual(initNames(pod), expectedInitContainers(facts));
    for (const c of pod.spec?.initContainers ?? []) {
      for (const kind of ['requests', 'limits'] as const) {
        assert.ok(
          c.resources?.[kind]?.['cpu'] && c.resources[kind]['memory'],
          `${c.name} has ${kind} for cpu and memory`,
        );
      }
    }
  });
});
