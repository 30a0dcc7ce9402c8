/**
 * Hot changes under a running webhook while the API server keeps creating pods: the policy
 * directory is swapped as the kubelet swaps a ConfigMap volume, then the serving certificate as it
 * swaps a cert-manager Secret volume. No pod may be refused, and the new policy must reach the
 * pods the API server stores within seconds.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import {
  apiErrorMessage,
  createNamespace,
  INJECT_LABEL,
  initNames,
  podManifest,
  ROUTE_LABEL,
  startTrackedWebhook,
  toKube,
  waitFor,
  type ControlPlane,
  type WebhookServer,
} from './harness/index.js';
import { busyboxPolicyYaml, getControlPlane, injected, registerAndWait } from './support/fixtures.js';

const policy = (name: string, priority: number): string => busyboxPolicyYaml(name, priority);

interface Outcome {
  readonly at: number;
  readonly names?: string[];
  readonly error?: string;
}

/** Creates pods back to back with `workers` concurrent loops until stopped. */
function steadyLoad(
  cp: ControlPlane,
  namespace: string,
  workers: number,
): { outcomes: Outcome[]; stop: () => Promise<void> } {
  const outcomes: Outcome[] = [];
  let running = true;
  let n = 0;
  const loop = async (): Promise<void> => {
    while (running) {
      n += 1;
      const at = Date.now();
      try {
        const pod = await cp.coreApi.createNamespacedPod({ namespace, body: toKube(podManifest(`load-${String(n)}`)) });
        outcomes.push({ at, names: initNames(pod) });
      } catch (error) {
        outcomes.push({ at, error: apiErrorMessage(error) });
      }
    }
  };
  const loops = Array.from({ length: workers }, () => loop());
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** The certificate a new TLS connection to 127.0.0.1:port is served with (DER, base64). */
function servedCertificate(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => {
      resolve(socket.getPeerCertificate().raw.toString('base64'));
      socket.end();
    });
    socket.once('error', reject);
  });
}

const derOf = (pem: string): string => new X509Certificate(pem).raw.toString('base64');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('e2e: hot reload of policies and certificate rotation under load', function () {
  let cp: ControlPlane;
  let server: WebhookServer;
  let ns: string;
  let unregister: () => Promise<void>;

  before(async function () {
    cp = await getControlPlane();
    server = await startTrackedWebhook(cp, 'reload', { 'base.yaml': policy('e2e-base', 10) });
    ns = await createNamespace(cp, 'reload', { [ROUTE_LABEL]: 'reload', [INJECT_LABEL]: 'enabled' });
    unregister = await registerAndWait(
      cp,
      {
        name: 'e2e-reload',
        url: server.url,
        caPem: cp.pki.ca.certPem,
        mode: 'opt-in',
        route: 'reload',
        failurePolicy: 'Fail',
      },
      ns,
      injected,
    );
  });

  after(async function () {
    await unregister();
  });

  it('applies a new policy within seconds and survives a certificate swap; no pod is refused', async function () {
    this.timeout(120_000);
    const load = steadyLoad(cp, ns, 2);
    let appliedAt = Infinity;
    try {
      await sleep(1500);
      const changed = Date.now();
      await server.replacePolicies({ 'base.yaml': policy('e2e-base', 10), 'added.yaml': policy('e2e-added', 20) });
      const firstWithNew = await waitFor(
        'a stored pod with the new policy',
        () => {
          const hit = load.outcomes.find((o) => o.at >= changed && o.names?.includes('e2e-added') === true);
          return Promise.resolve(hit);
        },
        20_000,
        100,
      );
      appliedAt = firstWithNew.at;
      console.log(`      new policy in stored pods ${String(appliedAt - changed)} ms after the swap`);

      const old = derOf(server.current().certPem);
      const rotated = derOf((await server.rotateCertificate()).certPem);
      assert.notEqual(rotated, old);
      const swapped = Date.now();
      await waitFor(
        'new connections to get the new certificate',
        async () => {
          return (await servedCertificate(server.port, cp.pki.ca.certPem)) === rotated ? true : undefined;
        },
        20_000,
        100,
      );
      console.log(`      new certificate served ${String(Date.now() - swapped)} ms after the swap`);
      await sleep(1500);
    } finally {
      await load.stop();
    }
    const refused = load.outcomes.filter((o) => o.error !== undefined);
    assert.deepEqual(refused, [], 'no pod refused during reload and rotation');
    assert.ok(load.outcomes.length >= 10, `steady load created ${String(load.outcomes.length)} pods`);
    for (const o of load.outcomes) assert.ok(o.names?.includes('e2e-base'), 'every pod keeps the base policy');
    // Pods whose creation started a second after the first pod with the new policy: all have it.
    const later = load.outcomes.filter((o) => o.at > appliedAt + 1000);
    assert.ok(
      later.length > 0 && later.every((o) => o.names?.includes('e2e-added')),
      'once applied, the new policy stays applied',
    );
  });
});
