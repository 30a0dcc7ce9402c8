/**
 * Problems found in policy (and PolicyTest) files, reported all at once as `file:line: path: message`,
 * so each one names what to fix and where. Loading returns every diagnostic, never just the first.
 */

/** Expected outcomes are values; exceptions are for bugs. */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

export interface Diagnostic {
  /** The file as given (relative paths stay relative). */
  readonly file: string;
  /** 1-based line; 0 when the problem concerns the whole file or set. */
  readonly line: number;
  /** Field path such as spec.parameters[0].pattern; empty for syntax errors. */
  readonly path: string;
  readonly message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}` : d.file;
  return d.path === '' ? `${where}: ${d.message}` : `${where}: ${d.path}: ${d.message}`;
}

/** The first line of an error's message: what a diagnostic quotes of a library's error. */
export function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n', 1)[0] ?? text;
}

/** Renders a path like ['spec', 'parameters', 0, 'pattern'] as spec.parameters[0].pattern. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
