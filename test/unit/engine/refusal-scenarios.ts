/**
 * One pod and one policy spec per refusal reason of the decision table (docs/semantics.md): with the
 * spec, a policy named "p" is refused for the pod with exactly that reason. Shared by the decision
 * table test and the explain test.
 */
import type { Pod } from '../../../src/kube/wire.js';
import { pod, type RunOptions } from './helpers.js';

export interface Scenario {
  readonly spec: Record<string, unknown>;
  readonly pod: Pod;
  readonly opts?: RunOptions;
}

const guaranteed = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  opted_out: { spec: {}, pod: pod({ metadata: { annotations: { 'init-injector.io/inject': 'false' } } }) },
  not_requested: { spec: { mode: 'OnRequest' }, pod: pod() },
  no_match: { spec: { match: { namespaceSelector: { matchLabels: { tier: 'gold' } } } }, pod: pod() },
  excluded: {
    spec: { exclude: { podSelector: { matchLabels: { app: 'web' } } } },
    pod: pod({ metadata: { labels: { app: 'web' } } }),
  },
  os_mismatch: { spec: {}, pod: pod({ spec: { os: { name: 'windows' } } }) },
  condition_false: { spec: { match: { conditions: [{ name: 'never', expression: 'false' }] } }, pod: pod() },
  condition_error: {
    spec: { match: { conditions: [{ name: 'broken', expression: "object.metadata.labels['team'] == 'a'" }] } },
    pod: pod(),
  },
  namespace_labels_unknown: {
    spec: { match: { namespaceSelector: { matchLabels: { tier: 'gold' } } } },
    pod: pod(),
    opts: { labels: undefined },
  },
  name_conflict: { spec: {}, pod: pod({ spec: { containers: [{ name: 'p', image: 'mine' }] } }) },
  volume_conflict: {
    spec: { volumes: [{ name: 'v', emptyDir: {} }] },
    pod: pod({
      spec: { containers: [{ name: 'app', image: 'x' }], volumes: [{ name: 'v', configMap: { name: 'c' } }] },
    }),
  },
  mount_conflict: {
    spec: { volumes: [{ name: 'v', emptyDir: {} }], volumeMounts: { mounts: [{ name: 'v', mountPath: '/m' }] } },
    pod: pod({
      spec: {
        containers: [{ name: 'app', image: 'x', volumeMounts: [{ name: 'own', mountPath: '/m' }] }],
        volumes: [{ name: 'own', emptyDir: {} }],
      },
    }),
  },
  qos_change: {
    spec: { initContainers: [{ name: 'p', image: 'x', resources: { requests: { cpu: '10m' } } }] },
    pod: pod({ spec: { containers: [{ name: 'app', image: 'x', resources: guaranteed }] } }),
  },
  param_invalid: {
    spec: { parameters: [{ name: 'x', pattern: '[a-z]+', default: 'a' }] },
    pod: pod({ metadata: { annotations: { 'init-injector.io/p.x': 'NOT OK' } } }),
  },
  param_missing: { spec: { parameters: [{ name: 'x' }] }, pod: pod() },
};
