/**
 * Pods a real cluster has, with the shipped policies in cluster-wide mode, judged by the real API
 * server: Windows pods (validated as Windows by spec.os.name), Guaranteed pods (status.qosClass is
 * computed by the API server when it stores the pod) and native sidecars that need the mounts.
 */
import assert from 'node:assert/strict';
import type { V1Container } from '@kubernetes/client-node';
import {
  createNamespace,
  createPod,
  initNames,
  podManifest,
  ROUTE_LABEL,
  uniqueName,
  type ControlPlane,
  type Plain,
} from './harness/index.js';
import { getControlPlane, injected, registerAndWait, shippedWebhook } from './support/fixtures.js';
import {
  alwaysPolicies,
  expectedInitContainers,
  policyFacts,
  SHIPPED_EXAMPLES,
  SHIPPED_POLICIES_DIR,
} from './support/policies.js';

/** A Windows app container: no Linux-only securityContext field, which the API server would refuse. */
const windowsApp: Plain<V1Container> = {
  name: 'app',
  image: 'mcr.microsoft.com/windows/nanoserver:ltsc2022',
  securityContext: { windowsOptions: { runAsUserName: 'ContainerUser' } },
};

const guaranteedApp: Plain<V1Container> = {
  name: 'app',
  image: 'registry.k8s.io/pause:3.10',
  resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
};

describe('e2e: pods of a real cluster, with the shipped policies in cluster-wide mode', function () {
  let cp: ControlPlane;
  let ns: string;
  let unregister: () => Promise<void>;
  const facts = policyFacts(SHIPPED_POLICIES_DIR);
  const defaults = alwaysPolicies(facts);

  before(async function () {
    cp = await getControlPlane();
    const server = await shippedWebhook(cp);
    const route = 'cluster-pods';
    ns = await createNamespace(cp, route, { [ROUTE_LABEL]: route });
    unregister = await registerAndWait(
      cp,
      { name: 'e2e-cluster-pods', url: server.url, caPem: cp.pki.ca.certPem, mode: 'cluster-wide', route },
      ns,
      injected,
    );
  });

  after(async function () {
    await unregister();
  });

  it('creates a Windows pod (spec.os.name) unchanged instead of having it refused', async function () {
    assert.ok(defaults.length > 0, 'the shipped set has Always policies that would reach a Linux pod');
    const manifest = podManifest(uniqueName('win'), { containers: [windowsApp] });
    manifest.spec = { containers: [windowsApp], os: { name: 'windows' } };
    const pod = await createPod(cp, ns, manifest);
    assert.deepEqual(initNames(pod), []);
    assert.equal(pod.metadata?.annotations?.['init-injector.io/injected'], undefined);
  });

  it('gives a pod that targets Windows by nodeSelector no Linux init container', async function () {
    const manifest = podManifest(uniqueName('win-sel'), { containers: [windowsApp] });
    manifest.spec = { containers: [windowsApp], nodeSelector: { 'kubernetes.io/os': 'windows' } };
    assert.deepEqual(initNames(await createPod(cp, ns, manifest)), []);
    // The control: the same namespace injects into a Linux pod.
    assert.deepEqual(
      initNames(await createPod(cp, ns, podManifest(uniqueName('linux')))),
      expectedInitContainers(defaults),
    );
  });

  it('stores a Guaranteed pod as Guaranteed, with the injected containers at request = limit', async function () {
    const pod = await createPod(cp, ns, podManifest(uniqueName('guaranteed'), { containers: [guaranteedApp] }));
    assert.deepEqual(initNames(pod), expectedInitContainers(defaults));
    assert.equal(pod.status?.qosClass, 'Guaranteed');
    for (const c of pod.spec?.initContainers ?? []) {
      assert.ok(c.resources?.limits?.['cpu'] !== undefined, `${c.name} has a cpu limit`);
      assert.deepEqual(
        [c.resources.requests?.['cpu'], c.resources.requests?.['memory']],
        [c.resources.limits['cpu'], c.resources.limits['memory']],
        `${c.name}: requests = limits`,
      );
    }
  });

  it('mounts the fetched certificate into a native sidecar that starts after the fetch', async function () {
    const sidecar: Plain<V1Container> = {
      name: 'proxy',
      image: 'registry.k8s.io/pause:3.10',
      restartPolicy: 'Always',
    };
    const pod = await createPod(
      cp,
      ns,
      podManifest(uniqueName('sidecar'), {
        annotations: {
          'init-injector.io/request': 'cert-fetcher',
          'init-injector.io/cert-fetcher.url': SHIPPED_EXAMPLES['init-injector.io/cert-fetcher.url'] ?? '',
        },
        initContainers: [sidecar],
      }),
    );
    const names = initNames(pod);
    assert.ok(names.indexOf('cert-fetcher') < names.indexOf('proxy'), `cert-fetcher starts first: ${names.join(', ')}`);
    const proxy = pod.spec?.initContainers?.find((c) => c.name === 'proxy');
    const mount = proxy?.volumeMounts?.find((m) => m.name === 'init-injector-certs');
    assert.deepEqual(mount && { path: mount.mountPath, readOnly: mount.readOnly }, {
      path: '/etc/init-injector/certs',
      readOnly: true,
    });
  });
});
