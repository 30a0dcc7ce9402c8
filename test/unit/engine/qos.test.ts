import { deepStrictEqual, equal, match } from 'node:assert/strict';
import { podQosClass } from '../../../src/engine/qos.js';
import type { Container, Pod } from '../../../src/kube/wire.js';
import { decision, doc, pod, policySet, run } from './helpers.js';

const res = (requests?: Record<string, string>, limits?: Record<string, string>) => ({
  resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
});
const app = (r: object) => pod({ spec: { containers: [{ name: 'app', image: 'nginx:1.27', ...r }] } });
const guaranteed = app(res({ cpu: '500m', memory: '256Mi' }, { cpu: '500m', memory: '256Mi' }));
const bestEffort = app({});
const burstable = app(res({ cpu: '100m' }, { cpu: '500m' }));

/** A policy whose one init container requests less than its limits, as the shipped ones do. */
const checker = (spec: Record<string, unknown> = {}) =>
  doc('checker', {
    initContainers: [
      {
        name: 'checker',
        image: 'example.com/checker:1',
        resources: {
          requests: { cpu: '10m', memory: '16Mi' },
          limits: { cpu: '100m', memory: '32Mi', 'ephemeral-storage': '1Mi' },
        },
      },
    ],
    ...spec,
  });
const injected = (p: Pod): Container | undefined => p.spec?.initContainers?.find((c) => c.name === 'checker');

describe('QoS classes: injection keeps the classes a policy preserves', () => {
  it('computes the class as the API server does, per container and per resource', () => {
    equal(podQosClass(guaranteed), 'Guaranteed');
    equal(podQosClass(app(res(undefined, { cpu: '1', memory: '1Gi' }))), 'Guaranteed'); // requests default to limits
    equal(podQosClass(app(res({ cpu: '1', memory: '1Gi' }, { cpu: '1000m', memory: '1024Mi' }))), 'Guaranteed');
    equal(podQosClass(bestEffort), 'BestEffort');
    equal(podQosClass(app(res({ 'ephemeral-storage': '1Gi' }))), 'BestEffort');
    equal(podQosClass(burstable), 'Burstable');
    equal(podQosClass(app(res({ cpu: '1' }, { cpu: '1' }))), 'Burstable'); // cpu Guaranteed, memory BestEffort
    const mixed = pod({
      spec: {
        containers: [
          { name: 'a', image: 'x', ...res({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }) },
          { name: 'b', image: 'x' },
        ],
      },
    });
    equal(podQosClass(mixed), 'Burstable');
    equal(podQosClass(pod({ spec: { resources: { limits: { cpu: '1', memory: '1Gi' } } } })), 'PodLevel');
  });

  it('a Guaranteed pod stays Guaranteed: requests = limits, from the limits by default', () => {
    const r = run(guaranteed, policySet(checker()));
    deepStrictEqual(injected(r.mutated)?.resources, {
      requests: { cpu: '100m', memory: '32Mi' },
      limits: { cpu: '100m', memory: '32Mi', 'ephemeral-storage': '1Mi' },
    });
    equal(podQosClass(r.mutated), 'Guaranteed');
  });

  it('qos.guaranteedFrom: Requests takes the requests instead', () => {
    const r = run(guaranteed, policySet(checker({ qos: { guaranteedFrom: 'Requests' } })));
    deepStrictEqual(injected(r.mutated)?.resources?.requests, { cpu: '10m', memory: '16Mi' });
    deepStrictEqual(injected(r.mutated)?.resources?.limits, { cpu: '10m', memory: '16Mi', 'ephemeral-storage': '1Mi' });
    equal(podQosClass(r.mutated), 'Guaranteed');
  });

  it('an init container without a cpu or memory value meets qos_change on a Guaranteed pod', () => {
    const bare = doc('bare', { initContainers: [{ name: 'bare', image: 'x', ...res({ cpu: '10m' }) }] });
    const r = run(guaranteed, policySet(bare));
    equal(decision(r, 'bare')?.reason, 'qos_change');
    match(
      r.warnings[0] ?? '',
      /init container "bare" sets no memory request or limit, so injecting it would make the pod Burstable/,
    );
    const required = run(guaranteed, policySet(doc('bare', { ...bare.spec, required: true })));
    equal(required.denial?.reason, 'qos_change');
    deepStrictEqual(run(bestEffort, policySet(bare)).injected, ['bare']);
  });

  it('BestEffort and Burstable pods get the resources as written by default', () => {
    deepStrictEqual(
      injected(run(bestEffort, policySet(checker())).mutated)?.resources,
      checker().spec.initContainers[0]?.['resources'],
    );
    deepStrictEqual(
      injected(run(burstable, policySet(checker())).mutated)?.resources,
      checker().spec.initContainers[0]?.['resources'],
    );
  });

  it('qos.preserve: [Guaranteed, BestEffort] keeps a BestEffort pod BestEffort (cpu and memory removed)', () => {
    const r = run(bestEffort, policySet(checker({ qos: { preserve: ['Guaranteed', 'BestEffort'] } })));
    deepStrictEqual(injected(r.mutated)?.resources, { limits: { 'ephemeral-storage': '1Mi' } });
    equal(podQosClass(r.mutated), 'BestEffort');
  });

  it('qos.preserve: [] injects the resources as written, even into a Guaranteed pod', () => {
    const r = run(guaranteed, policySet(checker({ qos: { preserve: [] } })));
    equal(podQosClass(r.mutated), 'Burstable');
  });

  it('a fitted container counts as present on re-invocation, with the API server defaults filled in', () => {
    const set = policySet(checker());
    const first = run(guaranteed, set);
    const again = run(first.mutated, set);
    equal(decision(again, 'checker')?.outcome, 'present');
  });
});
