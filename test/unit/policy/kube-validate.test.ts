import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { formatPath } from '../../../src/policy/diagnostics.js';
import { isQuantity } from '../../../src/policy/kube-rules.js';
import { validateKubeObjects } from '../../../src/policy/kube-validate.js';
import { checkPlaceholders } from '../../../src/policy/placeholders.js';
import { closest } from '../../../src/policy/suggest.js';

/** `path: message` lines for a spec, in the order found. */
function problems(spec: Record<string, unknown>): string[] {
  return validateKubeObjects({ spec }).map((i) => `${formatPath(i.path)}: ${i.message}`);
}

const GOOD = {
  name: 'network-check',
  image: 'luksa/network-connectivity-checker:1.0',
  env: [{ name: 'TARGET', value: '{{ params.target }}' }],
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 65532,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
  resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: 0.5, memory: '1Gi', 'example.com/gpu': 1 } },
  ports: [{ containerPort: 8080, protocol: 'TCP' }],
};

describe('policy/kube-validate', () => {
  it('accepts a complete, valid init container, volume and mount', () => {
    deepStrictEqual(
      problems({
        parameters: [{ name: 'target' }],
        initContainers: [GOOD],
        volumes: [{ name: 'certs', emptyDir: { medium: 'Memory', sizeLimit: '10Mi' } }],
        volumeMounts: { mounts: [{ name: 'certs', mountPath: '/etc/certs', readOnly: true }] },
      }),
      [],
    );
  });

  it('rejects a container without image, with a bad name and with the quantity cpu: 10x', () => {
    const found = problems({ initContainers: [{ name: 'Net_Check', resources: { limits: { cpu: '10x' } } }] });
    deepStrictEqual(found, [
      'spec.initContainers[0].resources.limits.cpu: "10x" is not a valid Kubernetes quantity: expected a non-negative number with an optional suffix (100m, 0.5, 128Mi, 1Gi, 2G, 1e3), or a {{ params.NAME }} placeholder of a parameter of type Quantity',
      `spec.initContainers[0].name: "Net_Check" is not a valid container name: expected a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
      'spec.initContainers[0].image: missing required field "image": the container image to run, e.g. registry.example.com/tools/check:1.2',
    ]);
  });

  it('rejects an unknown container field and suggests the field that was meant', () => {
    deepStrictEqual(problems({ initContainers: [{ ...GOOD, env: [], imagePullPolcy: 'Always' }] }), [
      'spec.initContainers[0].imagePullPolcy: unknown field "imagePullPolcy" in a Kubernetes Container (did you mean "imagePullPolicy"?)',
    ]);
  });

  it('checks nested model objects: types, unknown fields and lists', () => {
    const found = problems({
      initContainers: [
        {
          ...GOOD,
          env: [{ name: 'A', value: 5 }],
          securityContext: { runAsUser: 'root', capabilities: { drop: 'ALL', dorp: [] } },
        },
      ],
    });
    deepStrictEqual(found, [
      'spec.initContainers[0].env[0].value: expected a string, got number 5 (quote it: "5")',
      'spec.initContainers[0].securityContext.runAsUser: expected a number, got string "root"',
      'spec.initContainers[0].securityContext.capabilities.drop: expected a list of strings, got string "ALL"',
      'spec.initContainers[0].securityContext.capabilities.dorp: unknown field "dorp" in a Kubernetes Capabilities (did you mean "drop"?)',
    ]);
  });

  it('requires name and mountPath on a volume mount, and flags a misspelt readOnly', () => {
    deepStrictEqual(problems({ initContainers: [], volumeMounts: { mounts: [{ readonly: true }] } }), [
      'spec.volumeMounts.mounts[0].readonly: unknown field "readonly" in a Kubernetes VolumeMount (did you mean "readOnly"?)',
      'spec.volumeMounts.mounts[0].name: missing required field "name": the name of the volume to mount',
      'spec.volumeMounts.mounts[0].mountPath: missing required field "mountPath": the path in the container where the volume appears, e.g. /etc/certs',
    ]);
  });

  it('requires exactly one source per volume and a DNS-1123 volume name', () => {
    const found = problems({
      initContainers: [],
      volumes: [{ name: 'a', emptyDir: {}, secret: { secretName: 's' } }, { name: 'b' }, { name: 'C', emptyDir: {} }],
    });
    deepStrictEqual(
      found.map((line) => line.split(':')[0]),
      ['spec.volumes[0].secret', 'spec.volumes[1]', 'spec.volumes[2].name'],
    );
    ok(found[0]?.includes('exactly one source; found emptyDir and secret'));
    ok(found[1]?.includes('none is set'));
  });

  it('rejects probes on a plain init container but accepts them on a sidecar (restartPolicy: Always)', () => {
    const probe = { exec: { command: ['true'] } };
    deepStrictEqual(
      problems({ parameters: [{ name: 'target' }], initContainers: [{ ...GOOD, readinessProbe: probe }] }),
      [
        'spec.initContainers[0].readinessProbe: not allowed on an init container unless it is a sidecar (restartPolicy: Always); init containers run to completion',
      ],
    );
    deepStrictEqual(
      problems({
        parameters: [{ name: 'target' }],
        initContainers: [{ ...GOOD, restartPolicy: 'Always', readinessProbe: probe }],
      }),
      [],
    );
  });

  it('reports duplicate container names within one policy', () => {
    deepStrictEqual(problems({ parameters: [{ name: 'target' }], initContainers: [GOOD, GOOD] }), [
      'spec.initContainers[1].name: duplicate container name "network-check" (also used by initContainers[0])',
    ]);
  });

  it('accepts a whole {{ params.NAME }} as a quantity only for a parameter of type Quantity', () => {
    const sized = (type: string, memory: string) =>
      problems({
        parameters: [{ name: 'memory', type }, { name: 'target' }],
        initContainers: [{ ...GOOD, resources: { requests: { memory }, limits: { memory } } }],
      });
    deepStrictEqual(sized('Quantity', '{{ params.memory }}'), []);
    deepStrictEqual(sized('Quantity', '{{params.memory}}'), []);
    deepStrictEqual(
      sized('String', '{{ params.memory }}').map((line) => line.split(': ')[0]),
      ['spec.initContainers[0].resources.requests.memory', 'spec.initContainers[0].resources.limits.memory'],
    );
    strictEqual(sized('Quantity', '{{ params.memory }}Mi').length, 2, 'a placeholder inside a quantity is no quantity');
  });

  it('rejects an unknown resource name and a negative quantity', () => {
    const found = problems({
      parameters: [{ name: 'target' }],
      initContainers: [{ ...GOOD, resources: { requests: { cpus: '1', memory: -1 } } }],
    });
    deepStrictEqual(
      found.map((line) => line.split(': ')[0]),
      ['spec.initContainers[0].resources.requests.cpus', 'spec.initContainers[0].resources.requests.memory'],
    );
    ok(found[0]?.includes('(did you mean "cpu"?)'));
  });

  it('names the field of an undeclared parameter or unknown pod placeholder', () => {
    const found = problems({
      parameters: [{ name: 'target' }],
      initContainers: [
        {
          name: 'c',
          image: 'busybox',
          args: ['{{params.targt}}', '{{ pod.nmae }}', '{{ pod.namespace }}-{{ pod.name }}', '{{ .Values.literal }}'],
        },
      ],
    });
    deepStrictEqual(found, [
      'spec.initContainers[0].args[0]: placeholder {{params.targt}} names parameter "targt", which spec.parameters does not declare (did you mean "target"?) (declared: target)',
      'spec.initContainers[0].args[1]: unknown placeholder {{ pod.nmae }} (did you mean "pod.name"?): expected {{ params.NAME }} or {{ pod.name }}, {{ pod.generateName }}, {{ pod.namespace }}, {{ pod.serviceAccountName }}',
    ]);
  });

  it('checks placeholders in volumes and mounts too, not only containers', () => {
    const found = problems({
      initContainers: [],
      volumes: [{ name: 'v', configMap: { name: '{{ params.cm }}' } }],
      volumeMounts: { mounts: [{ name: 'v', mountPath: '/x/{{ pod.uid }}' }] },
    });
    deepStrictEqual(
      found.map((line) => line.split(': ')[0]),
      ['spec.volumes[0].configMap.name', 'spec.volumeMounts.mounts[0].mountPath'],
    );
  });

  it('rejects a volumeMounts.containers entry that can never name a container', () => {
    deepStrictEqual(
      problems({ initContainers: [], volumeMounts: { containers: ['app', 'Web_App', '*'], mounts: [] } }),
      [
        `spec.volumeMounts.containers[1]: "Web_App" can never match a container: container names are DNS-1123 labels (lowercase letters, digits and '-'); use "*" for every app container`,
      ],
    );
  });

  it('leaves parts that are not lists of objects to the schema', () => {
    deepStrictEqual(problems({ initContainers: 'busybox', volumes: [5] }), []);
    deepStrictEqual(validateKubeObjects('not a policy'), []);
  });
});

describe('policy/kube-rules quantities', () => {
  for (const good of ['1', '0.5', '.5', '100m', '128Mi', '1Gi', '2G', '1e3', '1E-2', '+1k', '5.']) {
    it(`accepts the quantity ${good}`, () => {
      strictEqual(isQuantity(good), true);
    });
  }
  for (const bad of ['10x', '', 'Mi', '1.2.3', '1 Gi', '-1', '1mi', '1KiB', 'e3']) {
    it(`rejects the quantity ${JSON.stringify(bad)}`, () => {
      strictEqual(isQuantity(bad), false);
    });
  }
});

describe('policy/placeholders and suggestions', () => {
  it('accepts every documented placeholder, with or without spaces', () => {
    deepStrictEqual(
      checkPlaceholders(
        '{{params.a}} {{ pod.name }} {{pod.generateName}} {{ pod.namespace}} {{pod.serviceAccountName }}',
        new Set(['a']),
      ),
      [],
    );
  });

  it('suggests close spellings and nothing for unrelated words', () => {
    strictEqual(closest('patern', ['name', 'pattern', 'default']), 'pattern');
    strictEqual(closest('Image', ['image', 'name']), 'image');
    strictEqual(closest('volumes', ['name', 'image']), undefined);
  });
});
