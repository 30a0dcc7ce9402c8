/**
 * The only substitutions a policy may use (docs/policy-reference.md, "Placeholders"):
 * `{{ params.NAME }}` and four pod fields, in string fields only. Checked at load time so that a
 * typo fails `validate`, not a pod admission.
 */
import { POD_FIELDS } from './templates.js';
import { didYouMean } from './suggest.js';

/**
 * `{{ root.name }}` with optional spaces inside the braces: the shape the engine substitutes
 * (templates.ts). Other shapes, such as a Go template's `{{ .Values.x }}`, stay literal text.
 * Group 1 is `root.name`.
 */
export const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

const PARAM_REF = /^params\.([A-Za-z_][A-Za-z0-9_]*)$/;
const POD_REF = /^pod\.([A-Za-z]+)$/;

/** A placeholder problem at a field path (relative to the document root). */
export interface PathIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Problems with the placeholders in one string; empty when every placeholder is known. */
export function checkPlaceholders(text: string, parameters: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const inner = match[1] ?? '';
    const param = PARAM_REF.exec(inner);
    if (param) {
      const name = param[1] ?? '';
      if (!parameters.has(name)) {
        const declared =
          parameters.size === 0 ? 'no parameters are declared' : `declared: ${[...parameters].join(', ')}`;
        problems.push(
          `placeholder ${match[0]} names parameter "${name}", which spec.parameters does not declare${didYouMean(name, parameters)} (${declared})`,
        );
      }
      continue;
    }
    const pod = POD_REF.exec(inner);
    if (pod && (POD_FIELDS as readonly string[]).includes(pod[1] ?? '')) continue;
    const hint = didYouMean(inner, [
      ...POD_FIELDS.map((f) => `pod.${f}`),
      ...[...parameters].map((p) => `params.${p}`),
    ]);
    problems.push(
      `unknown placeholder ${match[0]}${hint}: expected {{ params.NAME }} or {{ pod.name }}, {{ pod.generateName }}, {{ pod.namespace }}, {{ pod.serviceAccountName }}`,
    );
  }
  return problems;
}

/** Every string below `value` (not map keys), with its path. */
export function* stringsIn(
  value: unknown,
  path: readonly PropertyKey[],
): Generator<{ path: readonly PropertyKey[]; text: string }> {
  if (typeof value === 'string') yield { path, text: value };
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* stringsIn(item, [...path, i]);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) yield* stringsIn(item, [...path, key]);
  }
}

/** Placeholder problems in every string field below `value`. */
export function placeholderIssues(
  value: unknown,
  path: readonly PropertyKey[],
  parameters: ReadonlySet<string>,
): PathIssue[] {
  const issues: PathIssue[] = [];
  for (const { path: at, text } of stringsIn(value, path)) {
    for (const message of checkPlaceholders(text, parameters)) issues.push({ path: at, message });
  }
  return issues;
}
