/**
 * A hostile tenant (who may only create pods) through the real API server, against a webhook
 * registered as fail-open (failurePolicy: Ignore, timeoutSeconds: 3) with a required network check:
 * while their pods are being created, other tenants create ordinary pods, and every one of those is
 * stored with its required init container. A webhook that one pod could stall would time out for
 * them, and under Ignore the API server would store them without it.
 */
import assert from 'node:assert/strict';
import {
  createNamespace,
  createPod,
  initNames,
  INJECT_LABEL,
  podManifest,
  ROUTE_LABEL,
  startTrackedWebhook,
  uniqueName,
  type ControlPlane,
} from './harness/index.js';
import { getControlPlane, injected, registerAndWait } from './support/fixtures.js';
import type { V1Pod } from '@kubernetes/client-node';
import {
  backtrackingImagePod,
  hugeQuantityPod,
  manyAnnotationsPod,
  NOISY_POLICIES,
} from '../../fixtures/hostile-pods.js';

const ROUTE = 'noisy';
const BYSTANDERS = 48;

describe('e2e: a hostile tenant does not cost other tenants their required init containers', function () {
  this.timeout(240_000);
  let cp: ControlPlane;
  let hostileNs: string;
  let bystanderNs: string;
  const cleanups: (() => Promise<void>)[] = [];

  before(async function () {
    cp = await getControlPlane();
    const webhook = await startTrackedWebhook(cp, 'noisy', NOISY_POLICIES);
    const labels = { [ROUTE_LABEL]: ROUTE, [INJECT_LABEL]: 'enabled' };
    hostileNs = await createNamespace(cp, 'noisy-tenant', labels);
    bystanderNs = await createNamespace(cp, 'bystanders', labels);
    cleanups.push(
      await registerAndWait(
        cp,
        {
          name: 'e2e-noisy',
          route: ROUTE,
          url: webhook.url,
          caPem: cp.pki.ca.certPem,
          mode: 'opt-in',
          failurePolicy: 'Ignore',
          timeoutSeconds: 3,
        },
        bystanderNs,
        injected,
      ),
    );
  });

  after(async function () {
    for (const cleanup of cleanups) await cleanup();
  });

  it('stores every bystander pod with network-check while hostile pods are being created', async function () {
    const shapes: (() => Record<string, unknown>)[] = [
      () => hugeQuantityPod(),
      () => backtrackingImagePod(),
      () => manyAnnotationsPod(),
    ];
    const hostileOutcomes: string[] = [];
    const state = { stop: false };
    const hostile = (async () => {
      for (let i = 0; !state.stop; i++) {
        const pod = (shapes[i % shapes.length] ?? hugeQuantityPod)();
        const meta = pod['metadata'] as Record<string, unknown>;
        meta['name'] = uniqueName('hostile');
        meta['namespace'] = hostileNs;
        try {
          await createPod(cp, hostileNs, pod);
          hostileOutcomes.push('stored');
        } catch (e) {
          // Refused by our denial or by the API server's own validation; never for its namespace.
          const message = String(e);
          hostileOutcomes.push(message.includes('does not match the namespace') ? 'misaddressed' : 'refused');
        }
      }
    })();

    const stored: V1Pod[] = [];
    try {
      for (let batch = 0; batch < BYSTANDERS / 8; batch++) {
        const pods = await Promise.all(
          Array.from({ length: 8 }, () => createPod(cp, bystanderNs, podManifest(uniqueName('bystander')))),
        );
        stored.push(...pods);
      }
    } finally {
      state.stop = true;
      await hostile;
    }
    const missing = stored.filter((p) => !initNames(p).includes('network-check')).map((p) => p.metadata?.name);
    assert.deepEqual(missing, [], `bystander pods stored without their required init container`);
    assert.equal(stored.length, BYSTANDERS);
    assert.ok(hostileOutcomes.length >= 3, `only ${String(hostileOutcomes.length)} hostile pods were sent`);
    assert.ok(!hostileOutcomes.includes('misaddressed'), 'a hostile pod never reached admission');
  });
});
