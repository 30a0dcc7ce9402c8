/**
 * /healthz: the process answers. /readyz: certificate valid and not expired,
 * namespace cache synced, and not shutting down; JSON detail either way, so an operator sees why a
 * pod is out of the Service.
 */
import type { Diagnostic } from '../policy/diagnostics.js';
import { formatDiagnostic } from '../policy/diagnostics.js';
import type { NamespaceStatus } from '../kube/namespaces.js';
import type { CertificateStatus } from './tls.js';

/**
 * The policy set in use. There is always one: serve does not start without a valid set, and a
 * failed reload keeps the last good one, so policies never make the webhook unready.
 */
export interface PolicyStatus {
  readonly count: number;
  readonly revision: string;
  /** The last failed reload, as `file:line: path: message` lines; empty after a success. */
  readonly lastError: readonly string[];
}

/** What /readyz looks at; each a cheap getter. */
export interface ReadinessSources {
  readonly policies: () => PolicyStatus;
  readonly certificate: () => CertificateStatus | undefined;
  readonly namespaces: () => NamespaceStatus;
  readonly draining: () => boolean;
}

/** The /readyz body. */
export interface Readiness {
  readonly ready: boolean;
  readonly reasons: readonly string[];
  readonly shuttingDown: boolean;
  readonly policies: PolicyStatus;
  readonly certificate: CertificateStatus | { readonly valid: false; readonly detail: string };
  readonly namespaces: NamespaceStatus;
}

/** Builds a PolicyStatus from a store-like view. */
export function policyStatus(count: number, revision: string, lastFailure: readonly Diagnostic[]): PolicyStatus {
  return { count, revision, lastError: lastFailure.map(formatDiagnostic) };
}

/** Evaluates readiness; `reasons` says what keeps it not ready. A failed reload alone does not (the old set serves). */
export function readiness(s: ReadinessSources): Readiness {
  const policies = s.policies();
  const cert = s.certificate();
  const namespaces = s.namespaces();
  const draining = s.draining();
  const reasons: string[] = [];
  if (draining) reasons.push('shutting down');
  if (cert === undefined) reasons.push('no serving certificate');
  else if (!cert.valid) reasons.push(`serving certificate not valid now (notAfter ${cert.notAfter})`);
  if (!namespaces.synced) reasons.push('namespace cache not synced');
  return {
    ready: reasons.length === 0,
    reasons,
    shuttingDown: draining,
    policies,
    certificate: cert ?? { valid: false, detail: 'no serving certificate' },
    namespaces,
  };
}
