/**
 * The long-lived sources `serve` wires in, each with its logging and metrics: the namespace
 * labels source chosen from the configuration, and the policy and certificate reload reporters. Kept apart from
 * serve.ts so the composition root stays readable.
 */
import type { ServeConfig } from '../config.js';
import {
  fileNamespaceSource,
  informerNamespaceSource,
  noNamespaceSource,
  type NamespaceEvent,
  type NamespaceSource,
} from '../kube/namespaces.js';
import type { Logger } from '../log.js';
import { formatDiagnostic } from '../policy/diagnostics.js';
import type { PolicyStore, ReloadEvent } from '../policy/store.js';
import type { Metrics } from './metrics.js';
import type { CertificateEvent } from './tls.js';

/** The namespace labels source for the configuration, logging its events; warns when there is none. */
export function namespaceSource(config: ServeConfig, log: Logger): NamespaceSource {
  const onEvent = (e: NamespaceEvent): void => {
    if (e.type === 'error') log.error({ source: config.namespaces.kind }, `namespace labels: ${e.message}`);
    else log.info({ source: config.namespaces.kind, namespaces: e.count }, `namespace labels ${e.type}`);
  };
  const ns = config.namespaces;
  if (ns.kind === 'file') return fileNamespaceSource(ns.path, onEvent);
  if (ns.kind === 'kubeconfig') return informerNamespaceSource({ kubeconfig: ns.path }, onEvent);
  if (ns.kind === 'in-cluster') return informerNamespaceSource({}, onEvent);
  const none = noNamespaceSource();
  log.warn({}, `namespace labels: ${none.status().detail ?? ''}`);
  return none;
}

/** Counts and logs each policy reload reported by PolicyStore.watch. */
export function policyReporter(store: PolicyStore, metrics: Metrics, log: Logger): (e: ReloadEvent) => void {
  metrics.policiesLoaded.set(store.current().policies.length);
  return (e) => {
    const set = store.current();
    metrics.policiesLoaded.set(set.policies.length);
    if (!e.ok) {
      metrics.reloads.inc({ result: 'failure' });
      const problems = e.diagnostics.map(formatDiagnostic);
      log.error(
        { problems, revision: set.revision, trigger: e.trigger },
        'policy reload failed; the previous set keeps serving',
      );
      return;
    }
    metrics.reloads.inc({ result: 'success' });
    if (e.diagnostics.length > 0) {
      log.error(
        { problems: e.diagnostics.map(formatDiagnostic), revision: set.revision, trigger: e.trigger },
        'policy objects are invalid; each keeps its last valid generation in force, if it had one',
      );
    }
    if (e.changed) {
      log.info(
        { revision: set.revision, policies: set.policies.map((p) => p.name), trigger: e.trigger },
        'policies reloaded',
      );
    }
  };
}

/** Metrics and log lines for certificate rotation: a failed reload keeps the certificate in use. */
export function certificateReporter(metrics: Metrics, log: Logger): (e: CertificateEvent) => void {
  return (e) => {
    if (e.type === 'applied') {
      metrics.certificateReloads.inc({ result: 'success' });
      metrics.certificateExpiry.set(e.pair.notAfter.getTime() / 1000);
      log.info(
        { notAfter: e.pair.notAfter.toISOString(), fingerprint: e.pair.fingerprint },
        'serving certificate reloaded',
      );
    } else {
      metrics.certificateReloads.inc({ result: 'failure' });
      log.error({ code: e.error.code }, `serving certificate not reloaded, the previous one stays: ${e.error.message}`);
    }
  };
}
