/**
 * The webhook is down (its process was stopped): the API server applies the configuration's
 * failurePolicy. Fail refuses the pod with an error that says which webhook failed and why; Ignore
 * admits it without our init containers.
 */
import assert from 'node:assert/strict';
import {
  createNamespace,
  createPod,
  expectRefused,
  INJECT_LABEL,
  initNames,
  podManifest,
  readPolicyDir,
  ROUTE_LABEL,
  startTrackedWebhook,
  uniqueName,
  type ControlPlane,
} from './harness/index.js';
import { getControlPlane, injected, registerAndWait } from './support/fixtures.js';
import { SHIPPED_POLICIES_DIR } from './support/policies.js';

describe('e2e: webhook down', function () {
  let cp: ControlPlane;
  let failNs: string;
  let ignoreNs: string;
  const cleanups: (() => Promise<void>)[] = [];

  before(async function () {
    cp = await getControlPlane();
    const doomed = await startTrackedWebhook(cp, 'doomed', readPolicyDir(SHIPPED_POLICIES_DIR));
    failNs = await createNamespace(cp, 'down-fail', { [ROUTE_LABEL]: 'down-fail', [INJECT_LABEL]: 'enabled' });
    ignoreNs = await createNamespace(cp, 'down-ignore', { [ROUTE_LABEL]: 'down-ignore', [INJECT_LABEL]: 'enabled' });
    const base = { url: doomed.url, caPem: cp.pki.ca.certPem, mode: 'opt-in' as const, timeoutSeconds: 5 };
    cleanups.push(
      await registerAndWait(
        cp,
        { ...base, name: 'e2e-down-fail', route: 'down-fail', failurePolicy: 'Fail' },
        failNs,
        injected,
      ),
      await registerAndWait(
        cp,
        { ...base, name: 'e2e-down-ignore', route: 'down-ignore', failurePolicy: 'Ignore' },
        ignoreNs,
        injected,
      ),
    );
    // Both configurations demonstrably reach the webhook; now it goes away.
    await doomed.stop();
  });

  after(async function () {
    for (const cleanup of cleanups) await cleanup();
  });

  it('failurePolicy Fail: the pod is refused with an error naming the webhook and the cause', async function () {
    const name = uniqueName('refused');
    const message = await expectRefused(() => createPod(cp, failNs, podManifest(name)));
    assert.match(message, /failed calling webhook "inject\.init-injector\.io"/);
    assert.match(message, /connection refused/);
    const list = await cp.coreApi.listNamespacedPod({ namespace: failNs, fieldSelector: `metadata.name=${name}` });
    assert.equal(list.items.length, 0);
  });

  it('failurePolicy Ignore: the pod is admitted without our init containers', async function () {
    const pod = await createPod(cp, ignoreNs, podManifest('admitted'));
    assert.deepEqual(initNames(pod), []);
    assert.equal(pod.metadata?.annotations?.['init-injector.io/injected'], undefined);
  });
});
