/**
 * Typed errors with stable codes (after fastify's FST_ERR_* catalogue). Every code here has a
 * section in docs/errors.md that says who sees it and how to fix it; test/unit/errors.test.ts keeps
 * the two in sync in both directions.
 */
import type { Diagnostic } from './policy/diagnostics.js';
import { formatDiagnostic } from './policy/diagnostics.js';

/**
 * Every stable error code, with what it ends in: the exit status of a command, or the HTTP status
 * of an answer on /mutate. One map, read by `exitStatus` and AdmissionHttpError.
 */
export const ERROR_CODES = {
  INJ_CONFIG_INVALID: { exit: 2 },
  INJ_POLICY_INVALID: { exit: 1 },
  INJ_TLS_INVALID: { exit: 1 },
  INJ_NAMESPACE_LABELS_INVALID: { exit: 1 },
  INJ_LISTEN_FAILED: { exit: 1 },
  INJ_REVIEW_INVALID: { http: 400 },
  INJ_BODY_TOO_LARGE: { http: 413 },
  INJ_UNSUPPORTED_MEDIA_TYPE: { http: 415 },
  INJ_INTERNAL: { http: 500 },
} as const satisfies Record<string, { exit: number } | { http: number }>;
/** A stable error code (documented in docs/errors.md). */
export type ErrorCode = keyof typeof ERROR_CODES;
type HttpCode = { [C in ErrorCode]: (typeof ERROR_CODES)[C] extends { http: number } ? C : never }[ErrorCode];

/** The exit status of a command that stops on `code`; an answer-only code that stops one is 1. */
export function exitStatus(code: ErrorCode): number {
  const entry = ERROR_CODES[code];
  return 'exit' in entry ? entry.exit : 1;
}

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
  readonly code: HttpCode;
  readonly status: number;
  readonly uid: string;
  constructor(code: AdmissionHttpError['code'], message: string, uid = '', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.status = ERROR_CODES[code].http;
    this.uid = uid;
  }
}
