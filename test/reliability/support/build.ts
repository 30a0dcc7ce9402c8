/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   client-node's models are classes, but Kubernetes objects here are plain JSON as on the wire (src/kube/wire.ts). */
/**
 * Small builders for the hand-written engine tests (template safety, spoofing): a policy document
 * from a spec, a pod from containers and annotations, and one engine call with the replay check.
 */
import { deepStrictEqual } from 'node:assert/strict';
import type { MutationResult } from '../../../src/engine/types.js';
import type { Container, Pod, Volume } from '../../../src/kube/wire.js';
import type { PolicyDoc } from './arbitraries.js';
import { inputFor, runEngine } from './properties.js';
import { applyPatch, cloneJson, type PatchOp } from './rfc6902.js';

/** A policy document named `name` with `spec` (defaults left to the schema). */
export function policy(name: string, spec: Record<string, unknown>): PolicyDoc {
  return { apiVersion: 'init-injector.io/v1alpha1', kind: 'InjectionPolicy', metadata: { name }, spec };
}

/** A pod in namespace team-a with one app container unless `spec` says otherwise. */
export function pod(
  opts: {
    annotations?: Record<string, string>;
    initContainers?: Container[];
    containers?: Container[];
    volumes?: Volume[];
    ephemeral?: Container[];
  } = {},
): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'team-a' },
    spec: { containers: opts.containers ?? [{ name: 'app', image: 'nginx:1.27' }] },
  };
  if (opts.annotations !== undefined) p.metadata!.annotations = opts.annotations;
  if (opts.initContainers !== undefined) p.spec!.initContainers = opts.initContainers;
  if (opts.volumes !== undefined) p.spec!.volumes = opts.volumes;
  if (opts.ephemeral !== undefined)
    p.spec!.ephemeralContainers = opts.ephemeral.map((c) => ({ ...c, targetContainerName: 'app' }));
  return p;
}

/** Runs the engine and checks the patch replays to `mutated` with the independent applier. */
export function run(policies: readonly PolicyDoc[], p: Pod): MutationResult {
  const r = runEngine(inputFor({ policies, pod: p, namespaceLabels: {} }));
  deepStrictEqual(
    applyPatch(p, r.patch as readonly PatchOp[]),
    cloneJson(r.mutated),
    'patch does not replay to mutated',
  );
  return r;
}

/** The init container named `name` in the result, or undefined. */
export function initContainer(r: MutationResult, name: string): Container | undefined {
  return r.mutated.spec?.initContainers?.find((c) => c.name === name);
}
