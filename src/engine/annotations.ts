/** The pod annotations the engine reads and writes (docs/semantics.md). */
export const ANNOTATION = {
  /** "false" skips every policy that is not `required`. */
  inject: 'init-injector.io/inject',
  /** Comma-separated names of OnRequest policies the pod asks for. */
  request: 'init-injector.io/request',
  /** Written by the engine: every applied policy, in policy order. */
  injected: 'init-injector.io/injected',
} as const;

/** Reads an annotation without ever touching the prototype chain (a key may be "constructor"). */
export function annotation(annotations: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(annotations, key) ? annotations[key] : undefined;
}

/** Splits a comma-separated list: entries are trimmed, empty ones dropped. */
export function nameList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A value for a message: at most 64 characters, quoted and escaped by JSON.stringify. */
export function quoteValue(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
