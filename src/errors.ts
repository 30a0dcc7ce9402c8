/**
 * Typed errors with stable codes (after fastify's FST_ERR_* catalogue). Every code here has a
 * section in docs/errors.md that says who sees it and how to fix it; test/unit/errors.test.ts keeps
 * the two in sync in both directions.
 */
import type { Diagnostic } from './policy/diagnostics.js';
import { formatDiagnostic } from './policy/diagnostics.js';

/** Every stable error code, with the HTTP status it maps to when it reaches the admission port. */
export const ERROR_CODES = {
  INJ_CONFIG_INVALID: 2,
  INJ_POLICY_INVALID: 1,
  INJ_TLS_INVALID: 1,
  INJ_NAMESPACE_LABELS_INVALID: 1,
  INJ_LISTEN_FAILED: 1,
  INJ_REVIEW_INVALID: 400,
  INJ_BODY_TOO_LARGE: 413,
  INJ_UNSUPPORTED_MEDIA_TYPE: 415,
  INJ_INTERNAL: 500,
} as const;
/** A stable error code (documented in docs/errors.md). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Base class: `code` is stable and documented; `message` names what to fix. */
export abstract class InjectorError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A command-line flag or environment value is wrong; the message names the flag and what is expected. */
export class ConfigError extends InjectorError {
  readonly code = 'INJ_CONFIG_INVALID';
}

/** Policies could not be loaded at start-up; carries every diagnostic (file:line: path: message). */
export class PolicyLoadError extends InjectorError {
  readonly code = 'INJ_POLICY_INVALID';
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    const lines = diagnostics.map(formatDiagnostic).join('\n  ');
    super(`${diagnostics.length} problem(s) in policies:\n  ${lines}`);
    this.diagnostics = diagnostics;
  }
}

/** The serving certificate or key cannot be read, parsed or paired. */
export class TlsError extends InjectorError {
  readonly code = 'INJ_TLS_INVALID';
}

/** The --namespace-labels file cannot be read or is not a map of namespace name to labels. */
export class NamespaceLabelsError extends InjectorError {
  readonly code = 'INJ_NAMESPACE_LABELS_INVALID';
}

/** A port could not be bound (in use, or not permitted). */
export class ListenError extends InjectorError {
  readonly code = 'INJ_LISTEN_FAILED';
}

/** An error answered on /mutate with an HTTP status; `uid` is echoed when it is known. */
export class AdmissionHttpError extends InjectorError {
  readonly code: 'INJ_REVIEW_INVALID' | 'INJ_BODY_TOO_LARGE' | 'INJ_UNSUPPORTED_MEDIA_TYPE' | 'INJ_INTERNAL';
  readonly status: number;
  readonly uid: string;
  constructor(code: AdmissionHttpError['code'], message: string, uid = '', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.status = ERROR_CODES[code];
    this.uid = uid;
  }
}
