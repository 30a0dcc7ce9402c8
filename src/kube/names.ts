/**
 * Kubernetes name rules the API server applies to label keys, annotation keys and label values
 * (apimachinery's validation of qualified names and label values), for messages that say what to fix.
 */
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** DNS-1123 subdomain: what Kubernetes accepts for most object names (Secrets among them). */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a Kubernetes qualified name (label or annotation key), or undefined when it is. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)))
    return `${JSON.stringify(key)}: the prefix before "/" must be a DNS-1123 subdomain (lowercase, at most 253 characters)`;
  if (name.length === 0 || name.length > 63 || !NAME_PART.test(name))
    return `${JSON.stringify(key)} is not a qualified name (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, with an optional DNS prefix and '/')`;
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '' || (value.length <= 63 && NAME_PART.test(value))) return undefined;
  return `${JSON.stringify(value)} is not a valid label value (empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`;
}
