// Policies as the cluster returns them (`kubectl get injectionpolicies -o yaml`): a List, the
// metadata the API server sets, kubectl's last-applied copy and status are all accepted, and the
// compiled policy (its digest included) is the same as from the file the platform team wrote.
import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { checkFile } from '../../../src/policy/load.js';

const WRITTEN = `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata:
  name: demo
spec:
  initContainers:
    - name: demo
      image: example.com/demo:1
`;

const EXPORTED = `apiVersion: v1
kind: List
metadata:
  resourceVersion: ""
items:
  - apiVersion: init-injector.io/v1alpha1
    kind: InjectionPolicy
    metadata:
      annotations:
        kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"init-injector.io/v1alpha1"}'
      creationTimestamp: "2026-12-02T03:00:00Z"
      generation: 1
      managedFields:
        - manager: kubectl
          operation: Apply
      name: demo
      resourceVersion: "4711"
      uid: 6a1c0d9e-0000-4000-8000-000000000001
    spec:
      initContainers:
        - name: demo
          image: example.com/demo:1
    status:
      conditions: []
  - apiVersion: init-injector.io/v1alpha1
    kind: InjectionPolicy
    metadata:
      name: broken
      uid: 6a1c0d9e-0000-4000-8000-000000000002
    spec:
      mode: Sometimes
      initContainers:
        - name: broken
          image: example.com/broken:1
`;

describe('policy/load: objects exported from the cluster', () => {
  it('reads a List item by item, setting aside what the API server and kubectl added', () => {
    const written = checkFile(WRITTEN, 'written.yaml');
    const exported = checkFile(EXPORTED, 'exported.yaml');
    equal(exported.documents, 2);
    deepStrictEqual(
      exported.policies.map((p) => p.name),
      ['demo'],
    );
    equal(exported.policies[0]?.digest, written.policies[0]?.digest, 'the same policy as the file');
  });

  it('names the item and its line for a problem inside a List', () => {
    const { diagnostics } = checkFile(EXPORTED, 'exported.yaml');
    equal(diagnostics.length, 1);
    const [d] = diagnostics;
    ok(d);
    equal(d.path, 'spec.mode');
    equal(d.line, 31); // the line of "mode: Sometimes" in EXPORTED
    match(d.message, /Always|OnRequest/);
  });
});
