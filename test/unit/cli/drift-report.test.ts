/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's model classes are the wire shapes here; test pods are plain JSON objects, never instances. */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import type { NamespaceInfo } from '../../../src/engine/types.js';
import type { Pod } from '../../../src/kube/wire.js';
import { driftReport, workloadOf, type Owners } from '../../../src/cli/drift-report.js';
import { restartPlan, rolledOut } from '../../../src/cli/restart.js';
import { doc, pod, policySet, run } from '../engine/helpers.js';

const set = policySet(doc('check'));
const owned = (p: Pod, kind: string, name: string): Pod => ({
  ...p,
  metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'v1', kind, name, uid: name, controller: true }] },
});
const owners: Owners = {
  replicaSets: new Map([
    ['default/api-5d8', { kind: 'Deployment', name: 'api', controller: true }],
    ['default/lonely', undefined],
  ]),
  jobs: new Map([['default/nightly-29', { kind: 'CronJob', name: 'nightly', controller: true }]]),
};
const namespaces = new Map<string, NamespaceInfo>([['default', { name: 'default', labels: {} }]]);

describe('status: the drift report by workload', () => {
  it('follows ReplicaSet -> Deployment and Job -> CronJob, keeps other owners and bare pods as they are', () => {
    deepStrictEqual(workloadOf(owned(pod(), 'ReplicaSet', 'api-5d8'), owners), { kind: 'Deployment', name: 'api' });
    deepStrictEqual(workloadOf(owned(pod(), 'ReplicaSet', 'lonely'), owners), { kind: 'ReplicaSet', name: 'lonely' });
    deepStrictEqual(workloadOf(owned(pod(), 'Job', 'nightly-29'), owners), { kind: 'CronJob', name: 'nightly' });
    deepStrictEqual(workloadOf(owned(pod(), 'StatefulSet', 'db'), owners), { kind: 'StatefulSet', name: 'db' });
    deepStrictEqual(workloadOf(pod(), owners), { kind: 'Pod', name: 'web' });
  });

  it('counts current, outdated and missing pods per workload, and leaves finished pods and unseen namespaces out', () => {
    const injected = run(pod(), set).mutated;
    const outdatedPod = run(
      pod(),
      policySet(doc('check', { initContainers: [{ name: 'check', image: 'example.com/check:0' }] })),
    ).mutated;
    const pods: Pod[] = [
      owned({ ...injected, metadata: { ...injected.metadata, name: 'api-1' } }, 'ReplicaSet', 'api-5d8'),
      owned({ ...outdatedPod, metadata: { ...outdatedPod.metadata, name: 'api-2' } }, 'ReplicaSet', 'api-5d8'),
      owned(pod({ metadata: { name: 'api-3' } }), 'ReplicaSet', 'api-5d8'),
      { ...pod({ metadata: { name: 'done' } }), status: { phase: 'Succeeded' } },
      pod({ metadata: { name: 'sys', namespace: 'kube-system' } }),
    ];
    const r = driftReport(pods, namespaces, owners, set, undefined);
    equal(r.workloads.length, 1);
    const [api] = r.workloads;
    ok(api);
    deepStrictEqual(
      { kind: api.kind, pods: api.pods, current: api.current, outdated: api.outdated, missing: api.missing },
      { kind: 'Deployment', pods: 3, current: 1, outdated: 1, missing: 1 },
    );
    deepStrictEqual(api.missingPolicies, ['check']);
    equal(api.outdatedPolicies.length, 1);
    deepStrictEqual([r.summary.finished, r.summary.notSeen], [1, 1]);
  });

  it('restarts only Deployments, StatefulSets and DaemonSets with drift; lists the others for manual action', () => {
    const w = (kind: string, outdated: number) => ({
      kind,
      namespace: 'n',
      name: kind.toLowerCase(),
      pods: 1,
      current: 1 - outdated,
      outdated,
      missing: 0,
      outdatedPolicies: [],
      missingPolicies: [],
    });
    const plan = restartPlan([w('Deployment', 1), w('StatefulSet', 0), w('DaemonSet', 1), w('Job', 1), w('Pod', 1)]);
    deepStrictEqual(
      plan.restart.map((x) => x.kind),
      ['Deployment', 'DaemonSet'],
    );
    deepStrictEqual(
      plan.manual.map((x) => x.kind),
      ['Job', 'Pod'],
    );
  });

  it('calls a rollout done only once the controller saw the change and every replica is updated and ready', () => {
    const d = (gen: number, seen: number, updated: number, ready: number) => ({
      metadata: { generation: gen },
      spec: { replicas: 2 },
      status: { observedGeneration: seen, updatedReplicas: updated, readyReplicas: ready, replicas: 2 },
    });
    equal(rolledOut('Deployment', d(3, 2, 2, 2)), false);
    equal(rolledOut('Deployment', d(3, 3, 1, 2)), false);
    equal(rolledOut('Deployment', d(3, 3, 2, 1)), false);
    equal(rolledOut('Deployment', d(3, 3, 2, 2)), true);
    const ds = {
      metadata: { generation: 1 },
      status: { observedGeneration: 1, desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberReady: 0 },
    };
    equal(rolledOut('DaemonSet', ds), false);
    equal(rolledOut('DaemonSet', { ...ds, status: { ...ds.status, numberReady: 1 } }), true);
  });
});
