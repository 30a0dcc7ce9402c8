/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- the wire types are client-node model classes used as plain JSON shapes (src/kube/wire.ts); these tests build them as literals, as the API server sends them. */
/**
 * src/kube/workloads.ts and the document path of src/cli/documents.ts, in-process: where each kind
 * keeps its pod template, putting a mutated template back without touching anything else, and
 * JSON Pointer prefixes for the rebased patch.
 */
import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import { describeObject, findPodTemplate, isList, pointerOf, withPodTemplate } from '../../src/kube/workloads.js';
import type { KubeObject, Pod } from '../../src/kube/wire.js';

const spec = { containers: [{ name: 'app', image: 'example.com/app:1.0' }] };
const template = { metadata: { labels: { app: 'a' } }, spec };

describe('kube/workloads: pod templates of workload objects', () => {
  const kinds: [string, KubeObject, string[]][] = [
    ['Deployment', { kind: 'Deployment', spec: { replicas: 2, template } }, ['spec', 'template']],
    ['StatefulSet', { kind: 'StatefulSet', spec: { template } }, ['spec', 'template']],
    ['DaemonSet', { kind: 'DaemonSet', spec: { template } }, ['spec', 'template']],
    ['ReplicaSet', { kind: 'ReplicaSet', spec: { template } }, ['spec', 'template']],
    ['Job', { kind: 'Job', spec: { template } }, ['spec', 'template']],
    [
      'CronJob',
      { kind: 'CronJob', spec: { jobTemplate: { spec: { template } } } },
      ['spec', 'jobTemplate', 'spec', 'template'],
    ],
  ];
  for (const [kind, obj, path] of kinds) {
    it(`finds the template of a ${kind} at ${path.join('.')} and shows it as a v1 Pod`, () => {
      const slot = findPodTemplate(obj);
      deepStrictEqual(slot?.path, path);
      deepStrictEqual(slot.pod, { apiVersion: 'v1', kind: 'Pod', metadata: template.metadata, spec });
    });
  }

  it('a Pod is its own template (path [])', () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec };
    const slot = findPodTemplate(pod);
    deepStrictEqual(slot?.path, []);
    strictEqual(slot.pod, pod);
  });

  it('kinds without a pod template, and workloads missing theirs, have none', () => {
    strictEqual(findPodTemplate({ kind: 'ConfigMap', data: {} }), undefined);
    strictEqual(findPodTemplate({ kind: 'Deployment', spec: {} }), undefined);
    strictEqual(findPodTemplate({ metadata: { name: 'no-kind' } }), undefined);
  });

  it('a template without metadata gives a Pod without metadata (so a patch never adds a parent that is not there)', () => {
    const slot = findPodTemplate({ kind: 'Job', spec: { template: { spec } } });
    deepStrictEqual(slot?.pod, { apiVersion: 'v1', kind: 'Pod', spec });
  });

  it('puts a mutated template back, keeping every other field and the key order', () => {
    const obj: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { replicas: 2, template, paused: false },
    };
    const mutated: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { labels: { app: 'a' }, annotations: { x: 'y' } },
      spec: { ...spec, initContainers: [{ name: 'i' }] },
    };
    const out = withPodTemplate(obj, ['spec', 'template'], mutated);
    deepStrictEqual(out, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { replicas: 2, template: { metadata: mutated.metadata, spec: mutated.spec }, paused: false },
    });
    deepStrictEqual(Object.keys(out['spec'] as object), ['replicas', 'template', 'paused']);
    deepStrictEqual(obj['spec'], { replicas: 2, template, paused: false }, 'the input is not mutated');
  });

  it('a template that had no metadata gets it first, as kubectl writes templates', () => {
    const obj: KubeObject = { kind: 'Job', spec: { template: { spec } } };
    const out = withPodTemplate(obj, ['spec', 'template'], { metadata: { annotations: { a: 'b' } }, spec });
    deepStrictEqual(Object.keys((out['spec'] as { template: object }).template), ['metadata', 'spec']);
  });

  it('recognises Lists by kind and items', () => {
    strictEqual(isList({ kind: 'List', items: [] }), true);
    strictEqual(isList({ kind: 'PodList', items: [] }), true);
    strictEqual(isList({ kind: 'List' }), false);
    strictEqual(isList({ kind: 'Pod' }), false);
  });

  it('escapes JSON Pointer segments (RFC 6901: ~ -> ~0, / -> ~1)', () => {
    strictEqual(pointerOf(['spec', 'jobTemplate', 'spec', 'template']), '/spec/jobTemplate/spec/template');
    strictEqual(pointerOf(['items', 3, 'a/b~c']), '/items/3/a~1b~0c');
    strictEqual(pointerOf([]), '');
  });

  it('names objects Kind/name, Kind/generateName, or Kind/#position', () => {
    strictEqual(describeObject({ kind: 'Deployment', metadata: { name: 'web' } }, 0), 'Deployment/web');
    strictEqual(describeObject({ kind: 'Pod', metadata: { generateName: 'web-' } }, 0), 'Pod/web-');
    strictEqual(describeObject({ kind: 'Pod' }, 2), 'Pod/#3');
  });
});
