/**
 * Pods a tenant who may only create pods can send to make one admission expensive, and the policy
 * set they are aimed at: a required network check, an on-request certificate fetcher mounted into
 * every app container, and an image-name condition of the kind platform teams copy. Shared by the
 * reliability suite (each shape answers, bystanders are served meanwhile) and the bench's
 * noisy-neighbour section (bystander latency while the shapes run).
 */

/** The policy files the shapes are aimed at (file name -> YAML). */
export const NOISY_POLICIES: Readonly<Record<string, string>> = {
  'network-check.yaml': `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata: {name: network-check}
spec:
  required: true
  priority: 20
  parameters:
    - {name: target, default: 127.0.0.1, maxLength: 253, pattern: '^[A-Za-z0-9.:-]+$'}
  initContainers:
    - name: network-check
      image: example.com/network-check:1.0
      env: [{name: TARGET, value: "{{ params.target }}"}]
      resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 100m, memory: 32Mi}}
`,
  'cert-fetcher.yaml': `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata: {name: cert-fetcher}
spec:
  mode: OnRequest
  priority: 30
  initContainers:
    - name: cert-fetcher
      image: example.com/cert-fetcher:1.0
      volumeMounts: [{name: certs, mountPath: /certs}]
  volumes: [{name: certs, emptyDir: {}}]
  volumeMounts: {containers: '*', mounts: [{name: certs, mountPath: /etc/certs, readOnly: true}]}
`,
  'image-check.yaml': `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata: {name: image-check}
spec:
  priority: 40
  match:
    conditions:
      - name: images-from-known-registries
        expression: "object.spec.containers.all(c, c.image.matches('^registry\\\\\\\\.example\\\\\\\\.com/[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(:[a-z0-9._-]+)?$'))"
  initContainers:
    - {name: image-check, image: example.com/image-check:1.0}
`,
};

type Json = Record<string, unknown>;

/** An ordinary pod: what every bystander sends. */
export function ordinaryPod(name = 'web'): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: { containers: [{ name: 'app', image: 'registry.example.com/web:1.0' }] },
  };
}

function withMeta(meta: Json, spec: Json = {}): Json {
  const base = ordinaryPod('hostile');
  return {
    ...base,
    metadata: { ...(base['metadata'] as Json), ...meta },
    spec: { ...(base['spec'] as Json), ...spec },
  };
}

/**
 * The required check "already injected" with a look-alike whose cpu limit is a legal quantity with
 * a huge exponent: exact arithmetic on it would take seconds and hundreds of MiB.
 */
export function hugeQuantityPod(exponent = 999_999_999): Json {
  return withMeta(
    { annotations: { 'init-injector.io/injected': 'network-check' } },
    {
      initContainers: [
        {
          name: 'network-check',
          image: 'example.com/network-check:1.0',
          env: [{ name: 'TARGET', value: '127.0.0.1' }],
          resources: { limits: { cpu: `1e${String(exponent)}`, memory: '32Mi' } },
        },
      ],
    },
  );
}

/** An image name that makes a backtracking engine double its work per character of `a`s. */
export function backtrackingImagePod(length = 32): Json {
  return withMeta({}, { containers: [{ name: 'app', image: `registry.example.com/${'a'.repeat(length)}!` }] });
}

/** `count` annotations (~2 MiB at 80,000). */
export function manyAnnotationsPod(count = 80_000): Json {
  const annotations: Record<string, string> = {};
  for (let i = 0; i < count; i++) annotations[`example.com/a${String(i)}`] = 'xxxx';
  return withMeta({ annotations });
}

/** `count` app containers, asking for the policy that mounts into every one of them. */
export function manyContainersPod(count = 70_000): Json {
  const containers = Array.from({ length: count }, (_, i) => ({ name: `c${String(i)}`, image: 'x' }));
  return withMeta({ annotations: { 'init-injector.io/request': 'cert-fetcher' } }, { containers });
}

/** A generateName of `size` characters, which a log line would copy whole. */
export function hugeNameMetaPod(size = 2_900_000): Json {
  const base = withMeta({ generateName: 'g'.repeat(size) });
  delete (base['metadata'] as Json)['name'];
  return base;
}

/** A look-alike of the listed required check with `volumeMounts: null`. */
export function nullMountsPod(): Json {
  return withMeta(
    { annotations: { 'init-injector.io/injected': 'network-check' } },
    { initContainers: [{ name: 'network-check', image: 'example.com/network-check:1.0', volumeMounts: null }] },
  );
}

/** Every shape, by the name the bench and the tests report it under. */
export const HOSTILE_SHAPES: Readonly<Record<string, () => Json>> = {
  'huge quantity exponent': () => hugeQuantityPod(),
  'backtracking image name': () => backtrackingImagePod(),
  '80k annotations': () => manyAnnotationsPod(),
  '70k containers + mounts': () => manyContainersPod(),
  '2.9 MB generateName': () => hugeNameMetaPod(),
  'volumeMounts: null': () => nullMountsPod(),
};
