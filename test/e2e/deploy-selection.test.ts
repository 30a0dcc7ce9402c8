/**
 * The shipped webhook configurations, evaluated by the real API server: the namespaceSelector and
 * objectSelector exactly as kustomize and Helm render them decide which pod CREATEs are sent. The
 * probe is a webhook that cannot be reached, with failurePolicy forced to Fail: a selected request is
 * refused ("failed calling webhook"), an unselected one is admitted. Pods are created with
 * dryRun=All, so nothing is stored. Two changes keep the probe from touching other suites: a unique
 * configuration name, and an extra namespace requirement on ROUTE_LABEL (an AND, so it can only
 * narrow what the rendered selector selects; the system namespaces get that label here to make the
 * test adversarial, along with init-injector.io/inject=enabled, and get their old labels back after).
 */
import assert from 'node:assert/strict';
import {
  createNamespace,
  dryRunPod,
  apiErrorMessage,
  getControlPlane,
  freePort,
  INJECT_LABEL,
  podManifest,
  registerWebhook,
  ROUTE_LABEL,
  SYSTEM_NAMESPACES,
  uniqueName,
  waitFor,
  type ControlPlane,
} from './harness/index.js';
import { MODES, one, renderChart, renderOverlay, type KubeObject, type Mode } from '../deploy/support/render.js';

interface Hook {
  failurePolicy: string;
  timeoutSeconds: number;
  clientConfig: Record<string, unknown>;
  namespaceSelector: { matchExpressions: { key: string; operator: string; values?: string[] }[] };
}

/** The rendered configuration, pointed at a dead URL, failing closed, restricted to one route. */
function probeConfiguration(objects: readonly KubeObject[], route: string, deadUrl: string): KubeObject {
  const mwc = structuredClone(one(objects, 'MutatingWebhookConfiguration'));
  mwc.metadata = { name: uniqueName('deploy-probe') };
  for (const hook of mwc['webhooks'] as Hook[]) {
    hook.failurePolicy = 'Fail';
    hook.timeoutSeconds = 2;
    hook.clientConfig = { url: deadUrl };
    hook.namespaceSelector.matchExpressions.push({ key: ROUTE_LABEL, operator: 'In', values: [route] });
  }
  return mwc;
}

async function admitted(cp: ControlPlane, namespace: string, labels: Record<string, string> = {}): Promise<boolean> {
  try {
    await dryRunPod(cp, namespace, podManifest(uniqueName('probe'), { labels }));
    return true;
  } catch (error) {
    const message = apiErrorMessage(error);
    if (/failed calling webhook/.test(message)) return false;
    throw new Error(`pod dry-run in ${namespace} failed for another reason: ${message}`, { cause: error });
  }
}

async function ensureNamespace(cp: ControlPlane, name: string): Promise<void> {
  const r = await cp.kubectl(['create', 'namespace', name, '--save-config']);
  assert.ok(r.code === 0 || r.stderr.includes('AlreadyExists'), r.stderr);
  await waitFor(
    `ServiceAccount ${name}/default`,
    async () => {
      await cp.coreApi.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return true;
    },
    30_000,
    200,
  );
}

describe('e2e: the rendered webhook configurations never reach the system namespaces or their own', function () {
  this.timeout(180_000);
  let cp: ControlPlane;
  let deadUrl: string;
  const restore: (() => Promise<void>)[] = [];

  before(async function () {
    cp = await getControlPlane();
    deadUrl = `https://127.0.0.1:${await freePort()}/mutate`; // nothing listens there
  });

  after(async function () {
    for (const undo of restore.reverse()) await undo();
  });

  /** Sets labels on an existing namespace and registers their restoration. */
  async function label(namespace: string, labels: Record<string, string>): Promise<void> {
    const ns = await cp.coreApi.readNamespace({ name: namespace });
    const before = ns.metadata?.labels ?? {};
    const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const r = await cp.kubectl(['label', 'namespace', namespace, '--overwrite', ...args]);
    assert.equal(r.code, 0, r.stderr);
    restore.push(async () => {
      const undo = Object.keys(labels).map((k) => (k in before ? `${k}=${before[k]}` : `${k}-`));
      await cp.kubectl(['label', 'namespace', namespace, '--overwrite', ...undo]);
    });
  }

  const sources: {
    what: string;
    mode: Mode;
    render: (ownNamespace: string) => KubeObject[];
    fixedNamespace?: string;
  }[] = [];
  for (const mode of MODES) {
    sources.push({
      what: `kustomize ${mode}`,
      mode,
      render: () => renderOverlay(mode),
      fixedNamespace: 'init-injector',
    });
    sources.push({ what: `helm ${mode}`, mode, render: (own) => renderChart([`mode=${mode}`], own) });
  }

  for (const s of sources) {
    it(`${s.what}: selects an opted-in/ordinary namespace, never kube-system, kube-public, kube-node-lease or its own`, async () => {
      const route = uniqueName(`deploy-${s.mode}`);
      const enabled = s.mode === 'opt-in' ? { [INJECT_LABEL]: 'enabled' } : {};
      const own = s.fixedNamespace ?? (await createNamespace(cp, 'deploy-own', {}));
      if (s.fixedNamespace !== undefined) await ensureNamespace(cp, own);
      const probe = await createNamespace(cp, 'deploy-probe', { [ROUTE_LABEL]: route, ...enabled });
      const optedOut = await createNamespace(cp, 'deploy-off', { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'disabled' });
      const unregister = await registerWebhook(cp, probeConfiguration(s.render(own), route, deadUrl));
      try {
        // The positive control first: once it is refused, the configuration is in effect.
        await waitFor(
          'the probe configuration to take effect',
          async () => ((await admitted(cp, probe)) ? undefined : true),
          30_000,
        );
        for (const ns of [...SYSTEM_NAMESPACES, own]) {
          await label(ns, { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'enabled' });
          assert.ok(await admitted(cp, ns), `${s.what} selected ${ns}`);
        }
        assert.ok(await admitted(cp, optedOut), `${s.what} selected a namespace labelled ${INJECT_LABEL}=disabled`);
        assert.ok(await admitted(cp, probe, { [INJECT_LABEL]: 'disabled' }), 'a pod labelled inject=disabled was sent');
        assert.equal(await admitted(cp, probe), false, 'the probe namespace stopped being selected');
      } finally {
        await unregister();
      }
    });
  }
});
