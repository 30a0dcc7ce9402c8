/**
 * init-injector with the real cert-manager: its controllers and CA injector built from the published
 * module (test/e2e/certmanager), the chart's own Issuer chain and Certificate, the real API server
 * checking the served certificate against the caBundle the CA injector wrote. The harness plays
 * the kubelet (a Secret volume that follows the Secret with a lag) and the Service's endpoint
 * (support/cm-install.ts). Figures are printed and recorded in docs/e2e.md and docs/operations.md;
 * the assertions are on outcomes only.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Watch } from '@kubernetes/client-node';
import { ensureDeployTools } from '../deploy/tools.js';
import { CHART } from '../deploy/support/render.js';
import { startCertManager, waitCertificateReady, renewCertificate, type CertManager } from './harness/certmanager.js';
import {
  createNamespace,
  createPod,
  getControlPlane,
  podManifest,
  runCommand,
  uniqueName,
  waitFor,
  type ControlPlane,
} from './harness/index.js';
import {
  installChart,
  installOverlay,
  monitorTrust,
  outcomeOf,
  startLoad,
  tally,
  type Install,
  type TrustReport,
} from './support/cm-install.js';

/** How long after a Secret change our stand-in kubelet updates the volume (a real one: up to ~1-2 min). */
const VOLUME_LAG_MS = 1500;
/** One pod every this many ms during the load phases. */
const LOAD_INTERVAL_MS = 100;

/** The PEM certificate in a Secret's tls.crt. */
async function secretCert(cp: ControlPlane, namespace: string, name: string): Promise<string> {
  const secret = await cp.coreApi.readNamespacedSecret({ name, namespace });
  return Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
}

/** The SubjectPublicKeyInfo of a PEM certificate (DER, base64): tells a renewed key from a kept one. */
function publicKeyOf(pem: string): string {
  return new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

async function patchCaKeyPolicy(cp: ControlPlane, install: Install, policy: 'Always' | 'Never'): Promise<void> {
  const patch = JSON.stringify({ spec: { privateKey: { rotationPolicy: policy } } });
  const r = await cp.kubectl([
    'patch',
    'certificate',
    '-n',
    install.namespace,
    `${install.release}-ca`,
    '--type=merge',
    '-p',
    patch,
  ]);
  assert.equal(r.code, 0, r.stderr);
}

/** Renews a Certificate as cmctl does and waits for the new revision to be Ready. */
async function renewAndWait(cp: ControlPlane, namespace: string, name: string): Promise<void> {
  const revision = await renewCertificate(cp, namespace, name);
  await waitCertificateReady(cp, namespace, name, revision + 1);
}

/** "Updated object" lines the CA injector logged for this release's configuration. */
function injectorUpdates(install: Install): number {
  const text = readFileSync(path.join(cp.dir, 'logs', 'cert-manager-cainjector.log'), 'utf8');
  return text.split('\n').filter((l) => l.includes('"Updated object"') && l.includes(`name="${install.release}"`))
    .length;
}

/**
 * Starts the CA injector again and waits until it has reconciled the configuration once: a
 * reconcile still running from its start-up would apply the caBundle it read before a later change.
 */
async function restartCAInjectorAndSettle(install: Install): Promise<void> {
  const before = injectorUpdates(install);
  certManager().startCAInjector();
  await waitFor(
    'the restarted CA injector to reconcile the configuration',
    () => Promise.resolve(injectorUpdates(install) > before ? true : undefined),
    60_000,
    100,
  );
  // Its start-up reconciles more than once (configuration, Secret and Certificate events): let them end.
  await new Promise((r) => setTimeout(r, 1000));
}

/** Renews the CA Certificate with a new key (rotationPolicy Always for this one renewal). */
async function rotateCaKey(cp: ControlPlane, install: Install): Promise<void> {
  await patchCaKeyPolicy(cp, install, 'Always');
  await renewAndWait(cp, install.namespace, `${install.release}-ca`);
  await patchCaKeyPolicy(cp, install, 'Never');
}

/** Waits until the configuration's caBundle holds every one of `pems`. */
async function waitCaBundle(install: Install, pems: readonly string[]): Promise<void> {
  await waitFor(
    'caBundle to hold the expected CAs',
    async () => {
      const bundle = await install.caBundle();
      return pems.every((p) => bundle.includes(p.trim())) ? true : undefined;
    },
    60_000,
    50,
  );
}

/** Renews the serving certificate and waits until the webhook serves it. */
async function rollServing(cp: ControlPlane, install: Install): Promise<void> {
  const before = await install.servedSerial();
  await renewAndWait(cp, install.namespace, `${install.release}-serving`);
  await waitFor(
    'the webhook to serve the renewed certificate',
    async () => ((await install.servedSerial()) !== before ? true : undefined),
    60_000,
    50,
  );
}

/** Runs `steps` under a steady pod load and the trust monitor; resolves with both results. */
async function underLoad(
  cp: ControlPlane,
  install: Install,
  steps: (mark: (what: string) => void) => Promise<void>,
): Promise<{ pods: ReturnType<typeof tally>; trust: TrustReport }> {
  const load = startLoad(cp, install.appNamespace, LOAD_INTERVAL_MS);
  const monitor = monitorTrust(install);
  await new Promise((r) => setTimeout(r, 1000));
  await steps((what) => {
    monitor.mark(what);
  });
  // Past the volume lag, so a late swap would still be seen.
  await new Promise((r) => setTimeout(r, VOLUME_LAG_MS + 1000));
  const trust = await monitor.stop();
  return { pods: tally(await load.stop()), trust };
}

/** Trust and the served certificate never disagreed, and every pod of the load was injected. */
function assertNoDisagreement(pods: ReturnType<typeof tally>, trust: TrustReport): void {
  assert.equal(trust.disagreements, 0, `the caBundle and the served certificate disagreed: ${JSON.stringify(trust)}`);
  assert.equal(pods.refused, 0, `refused: ${pods.reasons.join('; ')}`);
  assert.equal(pods.uninjected, 0);
}

function report(what: string, figures: Record<string, unknown>): void {
  console.log(`      [cert-manager] ${what}: ${JSON.stringify(figures)}`);
}

let cp: ControlPlane;
let cm: CertManager | undefined;

/** The cert-manager processes (started by the suite's before hook). */
function certManager(): CertManager {
  if (cm === undefined) throw new Error('cert-manager is not running');
  return cm;
}

describe('e2e: real cert-manager issues and rotates the webhook certificate', function () {
  this.timeout(300_000);
  const installs: Install[] = [];
  let overlayInstall: Install | undefined;
  /** The Fail install the renewal and rotation scenarios run against, with its CA's name and certificate now. */
  const failInstallCa = async (): Promise<{ install: Install; caName: string; oldCa: string }> => {
    const install = installs[0];
    assert.ok(install, 'needs the Fail install');
    const caName = `${install.release}-ca`;
    return { install, caName, oldCa: await secretCert(cp, install.namespace, caName) };
  };

  before(async function () {
    this.timeout(0); // a cold run builds the cert-manager binary first (minutes)
    cp = await getControlPlane();
    const started = Date.now();
    const processes = await startCertManager(cp);
    cm = processes;
    report('started', { version: processes.version, crdsAndProcessesMs: Date.now() - started });
  });

  after(async function () {
    for (const install of [...installs, ...(overlayInstall ? [overlayInstall] : [])]) await install.stopProcesses();
    await cm?.stop();
  });

  const sources = [
    { what: 'helm chart', failurePolicy: 'Fail' },
    { what: 'helm chart', failurePolicy: 'Ignore' },
    { what: 'kustomize overlays/opt-in', failurePolicy: 'Fail' },
  ] as const;
  for (const { what, failurePolicy } of sources) {
    it(`install window, ${what}, failurePolicy ${failurePolicy}: cert-manager issues, the CA injector fills caBundle, the first pod is injected; ${failurePolicy === 'Fail' ? 'no pod is stored without injection' : 'no pod is refused'}`, async function () {
      let load: ReturnType<typeof startLoad> | undefined;
      const options = {
        lagMs: VOLUME_LAG_MS,
        beforeApply: (ns: string) => (load = startLoad(cp, ns, LOAD_INTERVAL_MS)),
      };
      const install =
        what === 'helm chart'
          ? await installChart(cp, [`webhook.failurePolicy=${failurePolicy}`], options)
          : await installOverlay(cp, options);
      if (what === 'helm chart') installs.push(install);
      else overlayInstall = install;
      assert.ok(load);
      const mwc = install.objects.find((o) => o.kind === 'MutatingWebhookConfiguration') as
        { webhooks: { failurePolicy: string }[] } | undefined;
      assert.equal(mwc?.webhooks[0]?.failurePolicy, failurePolicy);
      await waitCertificateReady(cp, install.namespace, `${install.release}-serving`);
      const bundle = await waitFor(
        'the CA injector to fill caBundle',
        async () => {
          const b = await install.caBundle();
          return b === '' ? undefined : b;
        },
        60_000,
        50,
      );
      assert.ok(await install.trusts(bundle), 'the API server would not trust what the webhook serves');
      const attempts = load.attempts;
      await waitFor(
        'a pod of the load to be injected',
        () => Promise.resolve(attempts.some((a) => a.outcome === 'injected') ? true : undefined),
        60_000,
        50,
      );
      const firstInjected = attempts.find((a) => a.outcome === 'injected')?.at ?? 0;
      await new Promise((r) => setTimeout(r, 1000));
      const all = await load.stop();
      const during = all.filter((a) => a.at < firstInjected);
      const after = all.filter((a) => a.at >= firstInjected);
      const t0 = install.times['apply'] ?? 0;
      const rel = Object.fromEntries(Object.entries(install.times).map(([k, v]) => [k, v - t0]));
      report(`install window ${what} ${failurePolicy}`, {
        msFromApply: { ...rel, firstInjected: firstInjected - t0 },
        // Before the configuration existed nothing called the webhook; after it, until the first injection.
        beforeConfiguration: tally(during.filter((a) => a.at < (install.times['configuration'] ?? 0))),
        window: tally(during.filter((a) => a.at >= (install.times['configuration'] ?? 0))),
        afterFirstInjection: tally(after),
      });
      assert.equal(tally(after).refused + tally(after).uninjected, 0, 'a pod after the first injected one was not');
      if (failurePolicy === 'Fail') {
        // Pods created before the configuration took effect are not its business; from the first
        // refusal on, the API server either refuses a pod or stores it injected.
        const firstRefused = all.findIndex((a) => a.outcome === 'refused');
        const inEffect = firstRefused < 0 ? after : all.slice(firstRefused);
        assert.equal(tally(inEffect).uninjected, 0, 'failurePolicy Fail stored a pod without injection');
      } else {
        assert.equal(tally(all).refused, 0, 'failurePolicy Ignore refused a pod');
      }
    });
  }

  it('renewal under load (as cmctl renew): the served certificate changes, 0 refused, 0 uninjected', async function () {
    const install = installs[0];
    assert.ok(install, 'needs the Fail install');
    const serving = `${install.release}-serving`;
    const before = await install.servedSerial();
    const caBefore = await install.caBundle();
    const load = startLoad(cp, install.appNamespace, LOAD_INTERVAL_MS);
    await new Promise((r) => setTimeout(r, 1000));
    const revision = await renewCertificate(cp, install.namespace, serving);
    const renewedAt = Date.now();
    await waitCertificateReady(cp, install.namespace, serving, revision + 1);
    const issuedAt = Date.now();
    const served = await waitFor(
      'the webhook to serve the renewed certificate',
      async () => {
        const s = await install.servedSerial();
        return s !== before ? s : undefined;
      },
      60_000,
      50,
    );
    const servedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    const result = tally(await load.stop());
    report('renewal', {
      issuedMs: issuedAt - renewedAt,
      servedMs: servedAt - renewedAt,
      caBundleChanged: (await install.caBundle()) !== caBefore,
      ...result,
    });
    assert.notEqual(served, before);
    assert.equal(result.refused, 0, `refused: ${result.reasons.join('; ')}`);
    assert.equal(result.uninjected, 0);
    assert.ok(result.injected > 0);
  });

  it('CA renewed with the chart defaults (key kept) while the CA injector is down: the old caBundle trusts the new leaf; never disagree, 0 refused, 0 uninjected', async function () {
    const { install, caName, oldCa } = await failInstallCa();
    let newCa = '';
    const { pods, trust } = await underLoad(cp, install, async (mark) => {
      await certManager().stopCAInjector();
      mark('CA injector stopped; renew CA');
      await renewAndWait(cp, install.namespace, caName);
      newCa = await secretCert(cp, install.namespace, caName);
      mark('CA renewed; renew serving');
      await rollServing(cp, install);
      mark('new leaf served; CA injector started');
      certManager().startCAInjector();
      await waitCaBundle(install, [newCa]);
      mark('caBundle has the new CA');
    });
    report('CA renewal, key kept, CA injector down', { ...pods, trust });
    assert.notEqual(newCa, oldCa, 'the CA certificate was not renewed');
    assert.equal(publicKeyOf(newCa), publicKeyOf(oldCa), 'the CA key changed although the chart keeps it');
    assertNoDisagreement(pods, trust);
  });

  it('CA key rotated with the CA injector running: it merges the new CA into caBundle before the new leaf is served; never disagree, 0 refused', async function () {
    const { install, caName, oldCa } = await failInstallCa();
    let newCa = '';
    const { pods, trust } = await underLoad(cp, install, async (mark) => {
      mark('renew CA with a new key');
      await rotateCaKey(cp, install);
      newCa = await secretCert(cp, install.namespace, caName);
      mark('CA renewed; renew serving');
      await rollServing(cp, install);
      await waitCaBundle(install, [newCa]);
      mark('new leaf served, caBundle has the new CA');
    });
    report('CA key rotation, CA injector running', { ...pods, trust });
    assert.notEqual(publicKeyOf(newCa), publicKeyOf(oldCa), 'the CA key was not rotated');
    const bundle = await install.caBundle();
    assert.ok(bundle.includes(oldCa.trim()) && bundle.includes(newCa.trim()), 'caBundle does not hold both CAs');
    assertNoDisagreement(pods, trust);
  });

  it('CA key rotated while the CA injector is down: the new leaf is served before caBundle trusts it, until the CA injector is back', async function () {
    const { install, caName } = await failInstallCa();
    let newCa = '';
    const { pods, trust } = await underLoad(cp, install, async (mark) => {
      await certManager().stopCAInjector();
      mark('CA injector stopped; renew CA with a new key');
      await rotateCaKey(cp, install);
      newCa = await secretCert(cp, install.namespace, caName);
      mark('CA renewed; renew serving');
      await rollServing(cp, install);
      mark('new leaf served');
      await new Promise((r) => setTimeout(r, 2000));
      mark('CA injector started');
      certManager().startCAInjector();
      await waitCaBundle(install, [newCa]);
      mark('caBundle has the new CA');
    });
    report('CA key rotation, CA injector down', { volumeLagMs: VOLUME_LAG_MS, ...pods, trust });
    assert.ok(trust.leafAhead > 0, `expected the new leaf ahead of caBundle: ${JSON.stringify(trust)}`);
    assert.ok(await install.trusts(await install.caBundle()), 'still not trusted after the CA injector came back');
  });

  it('CA key rotated with the documented procedure (docs/operations.md), the CA injector down while the leaf changes: never disagree, 0 refused, 0 uninjected, only the new CA trusted at the end', async function () {
    const { install, caName, oldCa } = await failInstallCa();
    const { namespace, release } = install;
    let newCa = '';
    const kubectl = async (args: string[]): Promise<void> => {
      const r = await cp.kubectl(args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    };
    const injectFrom = (certificate: string): Promise<void> =>
      kubectl([
        'annotate',
        '--overwrite',
        'mutatingwebhookconfiguration',
        release,
        `cert-manager.io/inject-ca-from=${namespace}/${certificate}`,
      ]);
    const { pods, trust } = await underLoad(cp, install, async (mark) => {
      mark('1. new CA key');
      await rotateCaKey(cp, install);
      newCa = await secretCert(cp, namespace, caName);
      mark('2. trust it: inject from the CA Certificate');
      await injectFrom(caName);
      await waitCaBundle(install, [oldCa, newCa]);
      await injectFrom(`${release}-serving`);
      mark('3. CA injector stopped; renew serving');
      await certManager().stopCAInjector();
      await rollServing(cp, install);
      mark('new leaf served; CA injector started');
      await restartCAInjectorAndSettle(install);
      mark('4. CA injector has reconciled; drop the old CA');
      const b64 = Buffer.from(newCa).toString('base64');
      await kubectl([
        'patch',
        'mutatingwebhookconfiguration',
        release,
        '--type=json',
        '-p',
        JSON.stringify([{ op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: b64 }]),
      ]);
      mark('old CA dropped');
    });
    report('CA key rotation with the procedure', { volumeLagMs: VOLUME_LAG_MS, ...pods, trust });
    assert.notEqual(publicKeyOf(newCa), publicKeyOf(oldCa), 'the CA key was not rotated');
    assertNoDisagreement(pods, trust);
    // The CA injector, running again, merges the serving Secret's CA (the new one) and keeps the old out.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await install.caBundle()).trim(), newCa.trim(), 'caBundle is not the new CA alone');
  });

  it('helm uninstall removes the webhook configuration before its Service', async function () {
    const { helm } = ensureDeployTools();
    const namespace = await createNamespace(cp, 'cm-helm', {});
    const release = uniqueName('init-injector');
    const kube = ['--kubeconfig', cp.kubeconfigPath, '--namespace', namespace];
    // Ignore: while installed, its (unreachable) webhook must not refuse other suites' pods.
    const installed = await runCommand(helm, [
      'install',
      release,
      CHART,
      ...kube,
      '--set',
      'webhook.failurePolicy=Ignore',
      '--set',
      'replicaCount=1',
    ]);
    assert.equal(installed.code, 0, installed.stderr);
    await waitCertificateReady(cp, namespace, `${release}-serving`);
    const deleted: Record<string, number> = {};
    const watch = new Watch(cp.kubeConfig);
    const aborts: AbortController[] = [];
    const record = (key: string) => (type: string, obj: { metadata?: { name?: string; resourceVersion?: string } }) => {
      if (type === 'DELETED' && obj.metadata?.name === release) deleted[key] = Number(obj.metadata.resourceVersion);
    };
    aborts.push(
      await watch.watch(
        '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
        {},
        record('mwc'),
        () => undefined,
      ),
      await watch.watch(`/api/v1/namespaces/${namespace}/services`, {}, record('service'), () => undefined),
    );
    try {
      const removed = await runCommand(helm, ['uninstall', release, ...kube, '--wait']);
      assert.equal(removed.code, 0, removed.stderr);
      await waitFor(
        'both deletions to be seen',
        () => Promise.resolve(deleted['mwc'] && deleted['service'] ? true : undefined),
        30_000,
      );
    } finally {
      for (const a of aborts) a.abort();
    }
    report('helm uninstall', { deletedAtResourceVersion: deleted });
    // One etcd: resourceVersions are its revisions, so they order the two deletions.
    assert.ok((deleted['mwc'] ?? 0) < (deleted['service'] ?? 0), 'the Service went before the webhook configuration');
    const left = await cp.admissionApi.listMutatingWebhookConfiguration();
    for (const mwc of left.items) {
      for (const hook of mwc.webhooks ?? []) {
        const svc = hook.clientConfig.service;
        if (svc === undefined) continue;
        await cp.coreApi.readNamespacedService({ name: svc.name, namespace: svc.namespace }).catch(() => {
          assert.fail(`${mwc.metadata?.name ?? ''} points at the missing Service ${svc.namespace}/${svc.name}`);
        });
      }
    }
  });

  for (const which of ['helm chart', 'kustomize overlay'] as const) {
    it(`uninstall of the ${which} in the documented order (configuration first): the failing-closed namespace admits pods again, nothing points at the removed Service`, async function () {
      const install = which === 'helm chart' ? installs[0] : overlayInstall;
      assert.ok(install, 'needs the Fail install');
      const mwc = install.objects.find((o) => o.kind === 'MutatingWebhookConfiguration');
      assert.ok(mwc);
      const r1 = await cp.kubectl(['delete', 'mutatingwebhookconfiguration', mwc.metadata.name]);
      assert.equal(r1.code, 0, r1.stderr);
      await install.stopProcesses();
      // The overlay's Namespace goes too (as with kubectl delete -k); kubectl waits until it is gone,
      // so later suites that create init-injector themselves find nothing of this install.
      const rest = install.objects.filter((o) => o !== mwc);
      const r2 = await cp.kubectl(
        ['delete', '--ignore-not-found', '--timeout=120s', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rest }),
      );
      assert.equal(r2.code, 0, r2.stderr);
      const pod = await waitFor(
        'a pod to be admitted in the formerly failing-closed namespace',
        async () => {
          const p = await createPod(cp, install.appNamespace, podManifest(uniqueName('after')));
          return outcomeOf(p) === 'uninjected' ? p : undefined;
        },
        30_000,
      );
      assert.ok(pod.metadata?.name);
      const left = await cp.admissionApi.listMutatingWebhookConfiguration();
      for (const config of left.items) {
        for (const hook of config.webhooks ?? []) {
          const svc = hook.clientConfig.service;
          if (svc?.namespace === install.namespace)
            assert.fail(`${config.metadata?.name ?? ''} still points at ${svc.name}`);
        }
      }
    });
  }
});
