/**
 * Policy semantics through the real API server (docs/policy-reference.md, docs/semantics.md), with
 * the end-to-end test policies (test/e2e/policies: required e2e-audit-log with a log-level
 * parameter, optional e2e-greeter, and the OnRequest e2e-warmup (Prepend) and e2e-finalize
 * (Append)). Their configuration does not skip opted-out pods in the API server: a required policy
 * must still reach them.
 */
import assert from 'node:assert/strict';
import { dump, load } from 'js-yaml';
import {
  createNamespace,
  createPod,
  expectRefused,
  INJECT_LABEL,
  initNames,
  podManifest,
  ROUTE_LABEL,
  uniqueName,
  type ControlPlane,
} from './harness/index.js';
import {
  getControlPlane,
  injected,
  registerAndWait,
  TEST_POLICIES_DIR,
  testPoliciesWebhook,
} from './support/fixtures.js';
import {
  expectedInitContainers,
  expectedInjectedAnnotation,
  policyFacts,
  type PolicyFacts,
} from './support/policies.js';

const REQUEST = 'init-injector.io/request';
const LEVEL = 'e2e.init-injector.io/log-level';

describe('e2e: policies applied by the webhook the API server calls', function () {
  let cp: ControlPlane;
  let ns: string;
  let unregister: () => Promise<void>;
  const facts = policyFacts(TEST_POLICIES_DIR);
  const pick = (...names: string[]): PolicyFacts[] => facts.filter((p) => names.includes(p.name));

  before(async function () {
    cp = await getControlPlane();
    const server = await testPoliciesWebhook(cp);
    const route = 'test-policies';
    ns = await createNamespace(cp, 'pol', { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'enabled' });
    unregister = await registerAndWait(
      cp,
      {
        name: 'e2e-test-policies',
        url: server.url,
        caPem: cp.pki.ca.certPem,
        mode: 'opt-in',
        route,
        skipOptOutAnnotation: false,
      },
      ns,
      injected,
    );
  });

  after(async function () {
    await unregister();
  });

  it('turns on OnRequest policies named in init-injector.io/request; an unknown name is only a warning', async function () {
    const name = uniqueName('req');
    const manifest = podManifest(name, {
      annotations: { [REQUEST]: 'e2e-finalize, e2e-warmup,no-such-policy' },
      initContainers: [{ name: 'own-init', image: 'busybox:1.37.0', command: ['true'] }],
    });
    // kubectl prints the admission warnings the API server relays; client-node does not expose them.
    const res = await cp.kubectl(['create', '-n', ns, '-f', '-'], dump(manifest));
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /Warning: .*no-such-policy/);
    const pod = await cp.coreApi.readNamespacedPod({ name, namespace: ns });
    const applied = pick('e2e-audit-log', 'e2e-greeter', 'e2e-warmup', 'e2e-finalize');
    assert.deepEqual(initNames(pod), expectedInitContainers(applied, ['own-init']));
    assert.equal(pod.metadata?.annotations?.['init-injector.io/injected'], expectedInjectedAnnotation(applied));
  });

  it('leaves OnRequest policies out of pods that do not request them', async function () {
    const pod = await createPod(cp, ns, podManifest('plain'));
    assert.deepEqual(initNames(pod), expectedInitContainers(pick('e2e-audit-log', 'e2e-greeter')));
  });

  it("refuses a pod whose parameter annotation fails a required policy's pattern, naming the annotation", async function () {
    const name = uniqueName('bad');
    const message = await expectRefused(() =>
      createPod(cp, ns, podManifest(name, { annotations: { [LEVEL]: 'loud;reboot' } })),
    );
    assert.match(message, /admission webhook "inject\.init-injector\.io" denied the request/);
    assert.ok(message.includes(LEVEL), `message names the annotation ${LEVEL}: ${message}`);
    assert.ok(message.includes('e2e-audit-log'), `message names the policy: ${message}`);
    const list = await cp.coreApi.listNamespacedPod({ namespace: ns, fieldSelector: `metadata.name=${name}` });
    assert.equal(list.items.length, 0, 'nothing stored');
  });

  it('gives an opted-out pod its required policy but none of the optional ones', async function () {
    const pod = await createPod(cp, ns, podManifest('opted-out', { annotations: { [INJECT_LABEL]: 'false' } }));
    assert.deepEqual(initNames(pod), expectedInitContainers(pick('e2e-audit-log')));
  });

  it('shows the injected pod on kubectl create --dry-run=server and stores nothing', async function () {
    const name = uniqueName('dry');
    const res = await cp.kubectl(
      ['create', '--dry-run=server', '-o', 'yaml', '-n', ns, '-f', '-'],
      dump(podManifest(name)),
    );
    assert.equal(res.code, 0, res.stderr);
    const shown = load(res.stdout) as { metadata: { name: string }; spec: { initContainers?: { name: string }[] } };
    assert.equal(shown.metadata.name, name);
    assert.deepEqual(
      (shown.spec.initContainers ?? []).map((c) => c.name),
      expectedInitContainers(pick('e2e-audit-log', 'e2e-greeter')),
    );
    const get = await cp.kubectl(['get', 'pod', name, '-n', ns]);
    assert.notEqual(get.code, 0);
    assert.match(get.stderr, /NotFound|not found/);
  });
});
