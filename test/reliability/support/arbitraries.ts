/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes, but Kubernetes objects here are plain JSON as on the wire (src/kube/wire.ts). */
/**
 * fast-check generators for the engine's property tests: valid policy sets (as the plain objects
 * YAML would give) and Pods of every shape the API server can send to a mutating webhook. Names
 * are drawn from small shared pools on purpose, so that pods and policies collide (container
 * names, volume names, mount paths, policy names in annotations) often enough to exercise every
 * conflict path, not just the happy one.
 */
import fc from 'fast-check';
import type { Container, Pod, Volume, VolumeMount } from '../../../src/kube/wire.js';

/** Container names shared by pods and policies so that name conflicts happen. */
export const CONTAINER_POOL = ['app', 'sidecar', 'net-check', 'cert-fetch', 'wait-db', 'render', 'notify'] as const;
/** Policy names; the pods' request/injected annotations pick from the same list. */
export const POLICY_POOL = ['alpha', 'net-check', 'cert-fetch', 'wait-db', 'zz-last'] as const;
const VOLUME_POOL = ['data', 'certs', 'shared', 'tmp'] as const;
const MOUNT_PATHS = ['/data', '/certs', '/etc/x', '/shared', '/var/run/x'] as const;

/** A policy document as parsed YAML would give it (before InjectionPolicySchema fills defaults). */
export interface PolicyDoc {
  apiVersion: 'init-injector.io/v1alpha1';
  kind: 'InjectionPolicy';
  metadata: { name: string };
  spec: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Keys: legal but odd label keys, and annotation keys a webhook can see before validation runs
// (mutating admission comes before validation, so even illegal keys such as '~' reach us).

const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/);
const qualifiedName = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?$/);
const prefix = fc.array(dnsLabel, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));

/** Label keys: [dns-subdomain/]name with dots, dashes and underscores. */
export const labelKey = fc.oneof(
  qualifiedName,
  fc.tuple(prefix, qualifiedName).map(([p, n]) => `${p}/${n}`),
);

/** Annotation keys, including the JSON-Pointer-hostile '/' (more than once) and '~'. */
export const annotationKey = fc.oneof(
  labelKey,
  fc.constantFrom('a~b', 'x/y/z', 'example.com/a~1b', 'tilde~0', '~', 'weird~/key', 'init-injector.io/injected-not'),
);

const labelValue = fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?)?$/);

/** `arb` or undefined; `absentWeight` to 1 the odds of undefined (fc.option alone gives only 1 in 5). */
function optional<T>(arb: fc.Arbitrary<T>, absentWeight = 1): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: absentWeight }, { arbitrary: arb, weight: 1 });
}

// ---------------------------------------------------------------------------------------------
// Policies

const templateText = (params: readonly string[]): fc.Arbitrary<string> =>
  fc
    .array(
      fc.constantFrom(
        'plain',
        '{{ pod.name }}',
        '{{pod.namespace}}',
        '{{ pod.generateName }}',
        '{{ pod.serviceAccountName }}',
        ...params.map((p) => `{{ params.${p} }}`),
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((parts) => parts.join('-'));

function policyContainer(name: string, params: readonly string[], volumes: readonly string[]): fc.Arbitrary<Container> {
  return fc
    .record({
      env: fc.array(fc.tuple(fc.constantFrom('TARGET', 'POD', 'NS'), templateText(params)), { maxLength: 2 }),
      args: optional(fc.array(templateText(params), { maxLength: 2 })),
      sidecar: fc.boolean(),
      mounts: fc.subarray([...volumes], { maxLength: Math.min(2, volumes.length) }),
    })
    .map(({ env, args, sidecar, mounts }) => {
      const c: Container = { name, image: 'busybox:1.36' };
      const uniqueEnv = [...new Map(env).entries()].map(([n, value]) => ({ name: n, value }));
      if (uniqueEnv.length > 0) c.env = uniqueEnv;
      if (args !== undefined) c.args = args;
      if (sidecar) c.restartPolicy = 'Always';
      if (mounts.length > 0) c.volumeMounts = mounts.map((v, i) => ({ name: v, mountPath: `/injected/${v}/${i}` }));
      return c;
    });
}

const volumeDef = (name: string): fc.Arbitrary<Volume> =>
  fc.constantFrom<Volume>(
    { name, emptyDir: {} },
    { name, configMap: { name: 'cfg' } },
    { name, emptyDir: { medium: 'Memory' } },
  );

const matchBlock = fc.oneof(
  fc.constant({ namespaces: ['team-*', 'payments'] }),
  fc.constant({ namespaces: ['other'] }),
  fc.constant({ podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } }),
  fc.constant({ podSelector: { matchLabels: { tier: 'backend' } } }),
  fc.constant({ namespaceSelector: { matchLabels: { env: 'prod' } } }),
  fc.constant({ conditions: [{ name: 'has-labels', expression: 'has(object.metadata.labels)' }] }),
  fc.constant({
    conditions: [{ name: 'not-host-network', expression: '!has(object.spec.hostNetwork) || !object.spec.hostNetwork' }],
  }),
);

function policyDoc(name: string): fc.Arbitrary<PolicyDoc> {
  return fc
    .record({
      params: fc.uniqueArray(fc.constantFrom('target', 'port', 'p_2'), { maxLength: 2 }),
      volumes: fc.uniqueArray(fc.constantFrom(...VOLUME_POOL), { maxLength: 2 }),
      containerNames: fc.uniqueArray(fc.constantFrom(...CONTAINER_POOL), { minLength: 1, maxLength: 2 }),
    })
    .chain(({ params, volumes, containerNames }) =>
      fc
        .record({
          mode: optional(fc.constantFrom('Always', 'OnRequest'), 2),
          required: optional(fc.boolean(), 2),
          priority: optional(fc.constantFrom(0, 50, 100)),
          placement: optional(fc.constantFrom('Prepend', 'Append')),
          action: optional(fc.constantFrom('Inject', 'Audit'), 2),
          onConflict: optional(fc.constantFrom('Skip', 'Fail')),
          match: optional(matchBlock, 2),
          exclude: optional(fc.constant({ namespaces: ['kube-*'] })),
          parameters: fc.tuple(
            ...params.map((p) =>
              fc.record({
                name: fc.constant(p),
                annotation: optional(fc.constantFrom(`example.com/${p}`, `x.io/${name}-${p}`)),
                // a parameter needs a value; give most of them a default, but not all
                default: fc.oneof(
                  { arbitrary: fc.constant(undefined), weight: 1 },
                  { arbitrary: fc.constantFrom('1.1.1.1', 'db.svc', '8080'), weight: 5 },
                ),
                pattern: optional(fc.constant('^[A-Za-z0-9.:-]{1,64}$')),
              }),
            ),
          ),
          initContainers: fc.tuple(...containerNames.map((c) => policyContainer(c, params, volumes))),
          volumeDefs: fc.tuple(...volumes.map(volumeDef)),
          mounts: optional(
            fc.record({
              containers: fc.oneof(
                fc.constant('*' as const),
                fc.subarray([...CONTAINER_POOL], { minLength: 1, maxLength: 2 }),
              ),
              mounts: fc.uniqueArray(fc.constantFrom(...MOUNT_PATHS), { maxLength: 2 }),
            }),
          ),
        })
        .map((r) => {
          const spec: Record<string, unknown> = { initContainers: r.initContainers };
          for (const k of [
            'mode',
            'required',
            'priority',
            'placement',
            'action',
            'onConflict',
            'match',
            'exclude',
          ] as const) {
            if (r[k] !== undefined) spec[k] = r[k];
          }
          if (r.parameters.length > 0)
            spec['parameters'] = r.parameters.map((p) =>
              Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)),
            );
          if (r.volumeDefs.length > 0) spec['volumes'] = r.volumeDefs;
          if (r.mounts !== undefined && volumes.length > 0) {
            spec['volumeMounts'] = {
              containers: r.mounts.containers,
              mounts: r.mounts.mounts.map((mountPath, i) => ({ name: volumes[i % volumes.length]!, mountPath })),
            };
          }
          return {
            apiVersion: 'init-injector.io/v1alpha1' as const,
            kind: 'InjectionPolicy' as const,
            metadata: { name },
            spec,
          };
        }),
    );
}

/** One to four valid policies with distinct names. */
export const policySetDocs: fc.Arbitrary<PolicyDoc[]> = fc
  .uniqueArray(fc.constantFrom(...POLICY_POOL), { minLength: 1, maxLength: 4 })
  .chain((names) => fc.tuple(...names.map(policyDoc)));

// ---------------------------------------------------------------------------------------------
// Pods

function podContainer(name: string, volumes: readonly string[], initKind: boolean): fc.Arbitrary<Container> {
  return fc
    .record({
      mounts: fc.uniqueArray(fc.tuple(fc.constantFrom(...volumes, 'none'), fc.constantFrom(...MOUNT_PATHS)), {
        maxLength: 2,
        selector: ([, p]) => p,
      }),
      image: optional(fc.constantFrom('nginx:1.27', 'registry.example.com:5000/team/app@sha256:' + 'a'.repeat(64))),
      sidecar: fc.boolean(),
      emptyMounts: fc.boolean(),
    })
    .map(({ mounts, image, sidecar, emptyMounts }) => {
      const c: Container = { name };
      if (image !== undefined) c.image = image;
      const vm: VolumeMount[] = mounts.filter(([v]) => v !== 'none').map(([v, mountPath]) => ({ name: v, mountPath }));
      if (vm.length > 0) c.volumeMounts = vm;
      else if (emptyMounts) c.volumeMounts = [];
      if (initKind && sidecar) c.restartPolicy = 'Always'; // a native sidecar
      return c;
    });
}

type ListShape = 'absent' | 'empty' | 'some';
const listShape = fc.constantFrom<ListShape>('absent', 'empty', 'some', 'some');

/** The pod's annotations, built to interact with the policies (request/opt-out/forged/params). */
function podAnnotations(policies: readonly PolicyDoc[]): fc.Arbitrary<Record<string, string> | undefined> {
  const names = [...policies.map((p) => p.metadata.name), 'unknown-policy'];
  const paramKeys = policies.flatMap((p) =>
    ((p.spec['parameters'] ?? []) as { name: string; annotation?: string }[]).map(
      (q) => q.annotation ?? `init-injector.io/${p.metadata.name}.${q.name}`,
    ),
  );
  return fc.oneof(
    fc.constant(undefined),
    fc.constant({}),
    fc
      .record({
        odd: fc.dictionary(annotationKey, fc.string({ maxLength: 20 }), { maxKeys: 4 }),
        optOut: optional(fc.constantFrom('false', 'true', 'FALSE'), 4),
        request: optional(fc.subarray(names).map((l) => l.join(','))),
        injected: optional(fc.subarray(names).map((l) => l.join(','))),
        params: fc.array(
          fc.tuple(fc.constantFrom('', ...paramKeys), fc.constantFrom('10.0.0.1', 'db:5432', 'bad value!', '')),
          { maxLength: 3 },
        ),
      })
      .map(({ odd, optOut, request, injected, params }) => {
        const a: Record<string, string> = {};
        for (const [k, v] of Object.entries(odd))
          Object.defineProperty(a, k, { value: v, enumerable: true, writable: true, configurable: true });
        if (optOut !== undefined) a['init-injector.io/inject'] = optOut;
        if (request !== undefined) a['init-injector.io/request'] = request;
        if (injected !== undefined) a['init-injector.io/injected'] = injected;
        for (const [k, v] of params) if (k !== '') a[k] = v;
        return a;
      }),
  );
}

/** A Pod as a mutating webhook may receive it, shaped to collide with `policies`. */
export function podFor(policies: readonly PolicyDoc[]): fc.Arbitrary<Pod> {
  return fc
    .record({
      nameMode: fc.constantFrom('name', 'generateName', 'both'),
      namespace: fc.constantFrom(undefined, '', 'team-a', 'payments', 'other'),
      labels: fc.oneof(
        fc.constant(undefined),
        fc.constant({}),
        fc.dictionary(labelKey, labelValue, { maxKeys: 4 }),
        fc.constant({ app: 'web', tier: 'backend' }),
      ),
      annotations: podAnnotations(policies),
      names: fc.uniqueArray(fc.oneof(fc.constantFrom(...CONTAINER_POOL), dnsLabel), { maxLength: 7 }),
      split: fc.array(fc.constantFrom(0, 0, 1, 2), { minLength: 7, maxLength: 7 }),
      shapes: fc.tuple(listShape, listShape, listShape, listShape),
      volumes: fc.uniqueArray(fc.constantFrom(...VOLUME_POOL), { maxLength: 3 }),
      large: fc.nat({ max: 9 }).map((n) => (n === 0 ? 120 : 0)),
      serviceAccountName: optional(fc.constantFrom('default', 'builder')),
      hostNetwork: optional(fc.boolean()),
    })
    .chain((r) => {
      const lists: string[][] = [[], [], []];
      r.names.forEach((n, i) => lists[r.split[i]!]!.push(n));
      for (let i = 0; i < r.large; i++) lists[0]!.push(`bulk-${i}`);
      return fc.record({
        base: fc.constant(r),
        containers: fc.tuple(...lists[0]!.map((n) => podContainer(n, r.volumes, false))),
        initContainers: fc.tuple(...lists[1]!.map((n) => podContainer(n, r.volumes, true))),
        ephemeral: fc.constant(
          lists[2]!.map((n) => ({ name: n, image: 'busybox', targetContainerName: lists[0]![0] ?? n })),
        ),
        volumeDefs: fc.tuple(...r.volumes.map(volumeDef)),
      });
    })
    .map(({ base: r, containers, initContainers, ephemeral, volumeDefs }) => {
      const metadata: NonNullable<Pod['metadata']> = {};
      if (r.nameMode !== 'generateName') metadata.name = 'web-0';
      if (r.nameMode !== 'name') metadata.generateName = 'web-';
      if (r.namespace !== undefined) metadata.namespace = r.namespace;
      if (r.labels !== undefined) metadata.labels = r.labels;
      if (r.annotations !== undefined) metadata.annotations = r.annotations;
      const [cs, ics, ecs, vs] = r.shapes;
      const spec: NonNullable<Pod['spec']> = { containers };
      if (cs === 'absent' && containers.length === 0) Reflect.deleteProperty(spec, 'containers');
      if (initContainers.length > 0 || ics === 'empty') spec.initContainers = initContainers;
      if (ephemeral.length > 0 || ecs === 'empty') spec.ephemeralContainers = ephemeral;
      if (volumeDefs.length > 0 || vs === 'empty') spec.volumes = volumeDefs;
      if (r.serviceAccountName !== undefined) spec.serviceAccountName = r.serviceAccountName;
      if (r.hostNetwork !== undefined) spec.hostNetwork = r.hostNetwork;
      return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
    });
}

/** A policy set and a pod made to meet it. */
export const scenario = policySetDocs.chain((policies) => podFor(policies).map((pod) => ({ policies, pod })));

/** Namespace labels the engine may or may not know (undefined = informer not synced). */
export const namespaceLabels = fc.constantFrom<Record<string, string> | undefined>(
  undefined,
  {},
  { env: 'prod' },
  { env: 'dev' },
);
