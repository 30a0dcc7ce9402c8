/** The pod annotations the engine reads and writes (docs/semantics.md). */
export const ANNOTATION = {
  /** "false" skips every policy that is not `required`. */
  inject: 'init-injector.io/inject',
  /** Comma-separated names of OnRequest policies the pod asks for. */
  request: 'init-injector.io/request',
  /** Written by the engine: every applied policy, in policy order. */
  injected: 'init-injector.io/injected',
  /** Written by the engine beside `injected`: name=render digest of every applied policy. */
  digests: 'init-injector.io/digests',
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

/** Parses `name=digest,…` (the digests annotation); malformed entries are dropped. */
export function digestMap(value: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of nameList(value)) {
    const at = entry.indexOf('=');
    if (at > 0) map.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return map;
}
