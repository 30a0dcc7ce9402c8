/**
 * An init-injector install with real cert-manager, as a user makes it: the chart rendered by
 * `helm template` (its self-signed Issuer, CA Certificate, CA Issuer and serving Certificate
 * included) and applied with kubectl. Our harness then plays the two parts a cluster plays
 * without us: the kubelet (the webhook "pod" starts once its Secret volume can be mounted, and the
 * volume follows the Secret with a lag) and the Service's endpoint (routed once /readyz answers).
 *
 * One change to what the chart renders, for the suite's isolation only: the webhook's
 * namespaceSelector also requires ROUTE_LABEL=<route> (an AND, so it can only narrow the
 * selection), as every configuration in this suite does.
 */
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { connect } from 'node:tls';
import type { V1Pod } from '@kubernetes/client-node';
import { renderChart, renderOverlay, type KubeObject } from '../../deploy/support/render.js';
import {
  apiErrorMessage,
  createNamespace,
  createPod,
  initNames,
  INJECT_LABEL,
  podManifest,
  ROUTE_LABEL,
  startTrackedWebhook,
  uniqueName,
  waitFor,
  type ControlPlane,
  type WebhookServer,
} from '../harness/index.js';
import { projectSecret, type ProjectedSecret } from '../harness/certmanager.js';

/** The chart's bundled Always policies in an opt-in namespace. */
export const BUNDLED_ALWAYS = ['init-demo', 'network-check'];

/** One pod creation and what came of it. */
export interface Attempt {
  readonly at: number;
  readonly outcome: 'injected' | 'uninjected' | 'refused';
  readonly message?: string;
}

/** Pods created one after another in `namespace`, `intervalMs` apart, until stopped. */
export interface Load {
  readonly attempts: Attempt[];
  stop(): Promise<Attempt[]>;
}

/** Classifies a stored pod: every bundled Always policy present, or none of ours. */
export function outcomeOf(pod: V1Pod): 'injected' | 'uninjected' {
  const names = initNames(pod);
  return BUNDLED_ALWAYS.every((n) => names.includes(n)) ? 'injected' : 'uninjected';
}

/** Starts creating pods in `namespace` every `intervalMs`. */
export function startLoad(cp: ControlPlane, namespace: string, intervalMs: number): Load {
  const attempts: Attempt[] = [];
  const state = { stopped: false };
  const run = (async (): Promise<void> => {
    while (!state.stopped) {
      const at = Date.now();
      try {
        const pod = await createPod(cp, namespace, podManifest(uniqueName('load')));
        attempts.push({ at, outcome: outcomeOf(pod) });
      } catch (error) {
        attempts.push({ at, outcome: 'refused', message: apiErrorMessage(error) });
      }
      const wait = at + intervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    attempts,
    stop: async () => {
      state.stopped = true;
      await run;
      return attempts;
    },
  };
}

/** Counts of a load's outcomes, and the distinct refusal messages (shortened). */
export function tally(attempts: readonly Attempt[]): {
  injected: number;
  uninjected: number;
  refused: number;
  reasons: string[];
} {
  const reasons = new Set<string>();
  for (const a of attempts) if (a.message !== undefined) reasons.add(shortReason(a.message));
  return {
    injected: attempts.filter((a) => a.outcome === 'injected').length,
    uninjected: attempts.filter((a) => a.outcome === 'uninjected').length,
    refused: attempts.filter((a) => a.outcome === 'refused').length,
    reasons: [...reasons],
  };
}

function shortReason(message: string): string {
  if (/certificate signed by unknown authority/.test(message)) return 'x509: certificate signed by unknown authority';
  if (/Service Unavailable|connection refused|no endpoints/.test(message)) return 'no endpoint (connection refused)';
  if (/failed calling webhook/.test(message))
    return message.replace(/^.*?failed calling webhook/, 'failed calling webhook');
  return message.slice(0, 160);
}

/** A rendered and applied release, with its webhook process and the harness's kubelet/endpoint parts. */
export interface Install {
  readonly release: string;
  readonly namespace: string;
  /** The opt-in namespace its configuration reaches (labelled before the install). */
  readonly appNamespace: string;
  readonly objects: KubeObject[];
  /** `<release>.<namespace>.svc`, the name the API server checks the served certificate for. */
  readonly serverName: string;
  readonly clusterTarget: string;
  readonly tls: ProjectedSecret;
  readonly times: Record<string, number>;
  webhook?: WebhookServer;
  /** The caBundle of the configuration now ('' when not injected yet). */
  caBundle(): Promise<string>;
  /** Whether a TLS client trusting `caPem` accepts what the webhook serves now for serverName. */
  trusts(caPem: string): Promise<boolean>;
  /** Serial number of the certificate the webhook serves now. */
  servedSerial(): Promise<string>;
  /** Stops the webhook process and the projection, and removes the route. */
  stopProcesses(): Promise<void>;
}

/** The MutatingWebhookConfiguration of a rendered release. */
function mwcOf(objects: readonly KubeObject[]): KubeObject {
  const mwc = objects.find((o) => o.kind === 'MutatingWebhookConfiguration');
  if (mwc === undefined) throw new Error('the chart rendered no MutatingWebhookConfiguration');
  return mwc;
}

/** What to apply, and the names a user would look for. */
interface Rendered {
  readonly objects: KubeObject[];
  /** The release namespace (created by the caller or by the objects). */
  readonly namespace: string;
  /** The chart's fullname: Service, MutatingWebhookConfiguration, `<name>-tls` Secret. */
  readonly release: string;
}

/**
 * Renders the chart for a new release in a new namespace with `sets`, then installs it (installRendered).
 */
export async function installChart(
  cp: ControlPlane,
  sets: readonly string[],
  options: { lagMs: number; beforeApply?: (appNamespace: string) => void },
): Promise<Install> {
  const namespace = await createNamespace(cp, 'cm-release', {});
  const release = uniqueName('init-injector');
  const objects = renderChart(['mode=opt-in', 'replicaCount=1', ...sets], namespace, release);
  return installRendered(cp, { objects, namespace, release }, options);
}

/**
 * The kustomize opt-in overlay as shipped: namespace init-injector, fixed names (the namespace is
 * created by the overlay itself). One such install per run.
 */
export async function installOverlay(
  cp: ControlPlane,
  options: { lagMs: number; beforeApply?: (appNamespace: string) => void },
): Promise<Install> {
  return installRendered(
    cp,
    { objects: renderOverlay('opt-in'), namespace: 'init-injector', release: 'init-injector' },
    options,
  );
}

/**
 * Labels a fresh opt-in app namespace, runs `beforeApply` (e.g. start a load), applies the objects,
 * and starts the webhook the way the Deployment's pod would start: when its Secret volume can be
 * mounted.
 */
async function installRendered(
  cp: ControlPlane,
  rendered: Rendered,
  options: { lagMs: number; beforeApply?: (appNamespace: string) => void },
): Promise<Install> {
  const { objects, namespace, release } = rendered;
  const route = uniqueName('cm');
  const appNamespace = await createNamespace(cp, 'cm-app', { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'enabled' });
  const mwc = mwcOf(objects);
  for (const hook of mwc['webhooks'] as { namespaceSelector: { matchExpressions: unknown[] } }[]) {
    hook.namespaceSelector.matchExpressions.push({ key: ROUTE_LABEL, operator: 'In', values: [route] });
  }
  const serverName = `${release}.${namespace}.svc`;
  const times: Record<string, number> = {};
  options.beforeApply?.(appNamespace);
  times['apply'] = Date.now();
  // When the configuration appears, and when the CA injector fills its caBundle.
  const watcher = (async (): Promise<void> => {
    for (let i = 0; i < 1200 && times['caBundle'] === undefined; i++) {
      try {
        const got = await cp.admissionApi.readMutatingWebhookConfiguration({ name: mwc.metadata.name });
        times['configuration'] ??= Date.now();
        if ((got.webhooks?.[0]?.clientConfig.caBundle ?? '') !== '') times['caBundle'] = Date.now();
      } catch {
        // not created yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  void watcher;
  const applied = await cp.kubectl(
    ['apply', '--server-side', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
  if (applied.code !== 0) throw new Error(`kubectl apply of the rendered chart failed: ${applied.stderr}`);
  times['applied'] = Date.now();

  const service = await cp.coreApi.readNamespacedService({ name: release, namespace });
  const clusterTarget = `${service.spec?.clusterIP ?? ''}:443`;
  const home = path.join(cp.dir, 'cm-installs', release);
  const tls = projectSecret(cp, namespace, `${release}-tls`, path.join(home, 'tls'), options.lagMs);

  const install: Install = {
    release,
    namespace,
    appNamespace,
    objects,
    serverName,
    clusterTarget,
    tls,
    times,
    caBundle: async () => {
      const got = await cp.admissionApi.readMutatingWebhookConfiguration({ name: mwc.metadata.name });
      const b64 = got.webhooks?.[0]?.clientConfig.caBundle ?? '';
      return Buffer.from(b64, 'base64').toString('utf8');
    },
    trusts: (caPem) => handshake(install.webhook, serverName, caPem).then((r) => r.authorized),
    servedSerial: () => handshake(install.webhook, serverName, undefined).then((r) => r.serial),
    stopProcesses: async () => {
      cp.serviceRouter.unroute(clusterTarget);
      tls.stop();
      await install.webhook?.stop();
    },
  };

  // The pod: ContainerCreating until the Secret exists, then `serve` with the chart's files.
  void tls.mounted.then(() => (times['secret'] = Date.now()));
  await waitFor('the serving Secret to be mounted', () => tls.mounted.then(() => true), 120_000);
  // The policies ConfigMap (kustomize's generator adds a hash suffix to its name).
  const deployment = objects.find((o) => o.kind === 'Deployment') as
    { spec: { template: { spec: { volumes: { name: string; configMap?: { name: string } }[] } } } } | undefined;
  const policiesName = deployment?.spec.template.spec.volumes.find((v) => v.name === 'policies')?.configMap?.name;
  if (policiesName === undefined) throw new Error('the rendered Deployment mounts no policies ConfigMap');
  const cm = await cp.coreApi.readNamespacedConfigMap({ name: policiesName, namespace });
  install.webhook = await startTrackedWebhook(cp, release, cm.data ?? {}, 'files', {
    tls: { dir: tls.dir, serverName },
  });
  times['ready'] = Date.now();
  // Ready: the endpoint joins the Service.
  cp.serviceRouter.route(clusterTarget, install.webhook.port);
  times['endpoint'] = Date.now();
  return install;
}

/** A TLS handshake with the webhook as the API server makes it (SNI serverName, trusting caPem). */
function handshake(
  webhook: WebhookServer | undefined,
  serverName: string,
  caPem: string | undefined,
): Promise<{ authorized: boolean; serial: string }> {
  if (webhook === undefined) return Promise.reject(new Error('the webhook is not running'));
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: webhook.port,
      servername: serverName,
      ...(caPem === undefined ? {} : { ca: caPem }),
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      resolve({ authorized: socket.authorized, serial: cert?.serialNumber ?? '' });
      socket.end();
    });
    socket.once('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS handshake timed out')));
  });
}

/** What a trust monitor saw. */
export interface TrustReport {
  readonly samples: number;
  /** Samples where a client trusting the configuration's caBundle refused the served certificate. */
  readonly disagreements: number;
  /** Of those: the caBundle had changed since the last agreeing sample (new trust, old leaf)… */
  readonly caBundleAhead: number;
  /** …or the served certificate had (new leaf, old trust). */
  readonly leafAhead: number;
  /** Milliseconds from the first to the last disagreeing sample (0 when none). */
  readonly spanMs: number;
  /** Each change of (caBundle, served serial, trusted): ms since the monitor started and what it became. */
  readonly timeline: string[];
}

/** A short label for a PEM bundle: the first 8 hex digits of each certificate's serial. */
function bundleLabel(pem: string): string {
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return certs.map((c) => new X509Certificate(c).serialNumber.slice(0, 8)).join('+') || 'none';
}

/**
 * Samples, every `intervalMs` until stopped, the configuration's caBundle and the certificate the
 * webhook serves, and checks the second against the first exactly as the API server does (TLS,
 * SNI `<service>.<namespace>.svc`, trusting only the caBundle).
 */
export function monitorTrust(
  install: Install,
  intervalMs = 50,
): { mark(what: string): void; stop(): Promise<TrustReport> } {
  const state = { stopped: false };
  let samples = 0;
  let caBundleAhead = 0;
  let leafAhead = 0;
  let first = 0;
  let last = 0;
  let agreed: { bundle: string; serial: string } | undefined;
  const started = Date.now();
  const timeline: string[] = [];
  let previous = '';
  const run = (async (): Promise<void> => {
    while (!state.stopped) {
      try {
        const bundle = await install.caBundle();
        const serial = await install.servedSerial();
        const ok = await install.trusts(bundle);
        samples += 1;
        const state = `caBundle ${bundleLabel(bundle)} leaf ${serial.slice(0, 8)} ${ok ? 'trusted' : 'REFUSED'}`;
        if (state !== previous) timeline.push(`+${String(Date.now() - started)}ms ${state}`);
        previous = state;
        if (ok) {
          agreed = { bundle, serial };
        } else {
          const now = Date.now();
          if (first === 0) first = now;
          last = now;
          if (agreed !== undefined && agreed.bundle !== bundle) caBundleAhead += 1;
          else leafAhead += 1;
        }
      } catch {
        // a handshake cut by a restart is no sample
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    mark: (what) => timeline.push(`+${String(Date.now() - started)}ms -- ${what}`),
    stop: async () => {
      state.stopped = true;
      await run;
      return {
        samples,
        disagreements: caBundleAhead + leafAhead,
        caBundleAhead,
        leafAhead,
        spanMs: last - first,
        timeline,
      };
    },
  };
}
