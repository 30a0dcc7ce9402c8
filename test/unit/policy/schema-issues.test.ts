import { deepStrictEqual, ok } from 'node:assert/strict';
import { formatPath } from '../../../src/policy/diagnostics.js';
import { validateWith } from '../../../src/policy/schema-issues.js';
import { InjectionPolicySchema } from '../../../src/policy/schema.js';

const base = {
  apiVersion: 'init-injector.io/v1alpha1',
  kind: 'InjectionPolicy',
  metadata: { name: 'p' },
  spec: { initContainers: [{ name: 'p', image: 'busybox' }] },
};

/** `path: message` for a policy whose spec is `base.spec` with `spec` merged in. */
function problems(spec: Record<string, unknown>, metadata: Record<string, unknown> = base.metadata): string[] {
  const result = validateWith(InjectionPolicySchema, { ...base, metadata, spec: { ...base.spec, ...spec } });
  ok(!result.ok, 'expected schema problems');
  return result.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

describe('policy/schema-issues', () => {
  it('returns the parsed policy with its defaults when it is valid', () => {
    const result = validateWith(InjectionPolicySchema, base);
    ok(result.ok);
    deepStrictEqual(
      [result.data.spec.mode, result.data.spec.priority, result.data.spec.placement, result.data.spec.onConflict],
      ['Always', 100, 'Prepend', 'Skip'],
    );
  });

  it('splits unknown fields into one problem each, at the field, with the allowed names', () => {
    deepStrictEqual(problems({ palcement: 'Append', extra: 1 }), [
      'spec.palcement: unknown field "palcement" (did you mean "placement"?); allowed here: description, mode, required, priority, placement, anchor, action, match, exclude, parameters, initContainers, volumes, volumeMounts, imagePullSecrets, onConflict, operatingSystems, qos',
      'spec.extra: unknown field "extra"; allowed here: description, mode, required, priority, placement, anchor, action, match, exclude, parameters, initContainers, volumes, volumeMounts, imagePullSecrets, onConflict, operatingSystems, qos',
    ]);
  });

  it('refuses an anchor with both sides or neither, and a name that is not a container name', () => {
    deepStrictEqual(problems({ anchor: { before: 'a', after: 'b' } }), [
      'spec.anchor: set exactly one of before and after',
    ]);
    deepStrictEqual(problems({ anchor: {} }), ['spec.anchor: set exactly one of before and after']);
    deepStrictEqual(problems({ anchor: { after: 'Istio_Proxy' } }), [
      `spec.anchor.after: "Istio_Proxy" must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)`,
    ]);
  });

  it('refuses more than 64 parameters, which bounds the cost of the CRD rules', () => {
    const parameters = Array.from({ length: 65 }, (_, i) => ({ name: `p${String(i)}` }));
    deepStrictEqual(problems({ parameters }), ['spec.parameters: a policy has at most 64 parameters']);
  });

  it('refuses an imagePullSecrets name that is not a Secret name, at the entry', () => {
    deepStrictEqual(problems({ imagePullSecrets: [{ name: 'Registry_Creds' }] }), [
      `spec.imagePullSecrets[0].name: "Registry_Creds" must be a Secret name: a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)`,
    ]);
  });

  it('lists the allowed values of an enum and suggests the one meant', () => {
    deepStrictEqual(problems({ action: 'audit' }), [
      'spec.action: string "audit" is not allowed: expected "Inject" or "Audit" (did you mean "Audit"?)',
    ]);
  });

  it('leads a rule written next to the field with the offending value', () => {
    deepStrictEqual(problems({}, { name: 'My.Policy' }), [
      `metadata.name: "My.Policy" must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)`,
    ]);
  });

  it('reports a union by its alternatives, or by the problem inside the alternative that was chosen', () => {
    deepStrictEqual(problems({ volumeMounts: { containers: 7 } }), [
      'spec.volumeMounts.containers: expected "*" or a list, got number 7',
    ]);
    deepStrictEqual(problems({ volumeMounts: { containers: ['app', 3] } }), [
      'spec.volumeMounts.containers[1]: expected a string, got number 3',
    ]);
  });

  it('names the Kubernetes kind expected for an item that is not an object', () => {
    deepStrictEqual(problems({ initContainers: ['busybox'] }), [
      'spec.initContainers[0]: expected a Kubernetes Container (an object), got string "busybox"',
    ]);
  });

  it('keeps the custom message of a rule (an empty initContainers list)', () => {
    deepStrictEqual(problems({ initContainers: [] }), [
      'spec.initContainers: a policy injects at least one init container',
    ]);
  });
});
