/** Shared fixtures for the HTTP tests: real policy files in temp dirs, reviews, pods. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicySet } from '../../src/engine/types.js';
import { loadPolicies } from '../../src/policy/load.js';
import { podCreateReview } from '../../fixtures/review.js';
import { tempDir } from '../support/temp.js';

/** A policy that injects one init container into every pod (optionally only in `namespaces`). */
export function policyYaml(name: string, opts: { image?: string; extra?: string } = {}): string {
  return `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata:
  name: ${name}
spec:
  initContainers:
    - name: ${name}
      image: ${opts.image ?? 'busybox:1.36'}
      command: ["sh", "-c", "true"]
${opts.extra ?? ''}`;
}

/** A policy that only applies in namespaces labelled tier=backend. */
export function selectorPolicyYaml(name: string): string {
  return policyYaml(name, { extra: '  match:\n    namespaceSelector: {matchLabels: {tier: backend}}\n' });
}

/** A new temp dir, removed when the test process exits. */
export const tmp = (prefix = 'ii-http-'): string => tempDir(prefix);

/** Writes files into a new temp dir; returns the dir. */
export function policyDir(files: Readonly<Record<string, string>>): string {
  const dir = tmp('ii-policies-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Loads a real policy set from files (the loader the server uses). */
export async function loadSet(files: Readonly<Record<string, string>>): Promise<PolicySet> {
  const r = await loadPolicies([policyDir(files)]);
  if (!r.ok) throw new Error(`fixture policies invalid: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** A minimal pod as the API server sends it on CREATE (no name: generateName, as controllers do). */
export function aPod(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'web-', namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27', env: [{ name: 'SECRET', value: 's3cr3t-value' }] }] },
    ...overrides,
  };
}

let seq = 0;
/** An AdmissionReview v1 for `object`; `request` fields override the CREATE-of-pods defaults. */
export function reviewFor(object: unknown, request: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return podCreateReview(object, { uid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, ...request });
}

/** Decodes response.patch (base64 JSON) into ops. */
export function decodePatch(patch: unknown): unknown[] {
  if (typeof patch !== 'string') throw new Error(`patch is not a string: ${String(patch)}`);
  return JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as unknown[];
}
