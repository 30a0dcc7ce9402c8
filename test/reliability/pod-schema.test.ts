// The Pod OpenAPI validator used by the property tests is itself under test: it must reject what
// the API server rejects on schema grounds, or the "mutated pod validates" property proves nothing.
import { deepStrictEqual, ok } from 'node:assert/strict';
import { podSchemaErrors } from './support/pod-schema.js';

const pod = (spec: unknown, metadata: unknown = { name: 'p' }) => ({ apiVersion: 'v1', kind: 'Pod', metadata, spec });

describe('reliability: the Pod OpenAPI schema check', () => {
  it('accepts a pod with init containers, a native sidecar, probes with IntOrString ports and volumes', () => {
    deepStrictEqual(
      podSchemaErrors(
        pod(
          {
            initContainers: [
              { name: 'i', image: 'busybox', restartPolicy: 'Always', volumeMounts: [{ name: 'v', mountPath: '/v' }] },
            ],
            containers: [
              {
                name: 'app',
                image: 'nginx',
                ports: [{ containerPort: 80 }],
                readinessProbe: { httpGet: { port: 'http', path: '/' } },
                resources: { limits: { cpu: '100m', memory: 1024 } },
              },
            ],
            volumes: [{ name: 'v', emptyDir: {} }],
          },
          { generateName: 'p-', annotations: { 'a~b': 'x' }, labels: { 'a.b/c': 'd' } },
        ),
      ),
      [],
    );
  });
  const bad: [string, unknown, RegExp][] = [
    ['a container without a name', pod({ containers: [{ image: 'x' }] }), /containers\[0\]\.name: required/],
    [
      'duplicate init container names',
      pod({ containers: [{ name: 'a' }], initContainers: [{ name: 'i' }, { name: 'i' }] }),
      /initContainers\[1\]: duplicate name/,
    ],
    [
      'an unknown container field',
      pod({ containers: [{ name: 'a', imagePolicy: 'x' }] }),
      /imagePolicy: unknown field/,
    ],
    [
      'a port beyond int32',
      pod({ containers: [{ name: 'a', ports: [{ containerPort: 2 ** 33 }] }] }),
      /containerPort: expected int32/,
    ],
    [
      'a volume mount without mountPath',
      pod({ containers: [{ name: 'a', volumeMounts: [{ name: 'v' }] }] }),
      /mountPath: required/,
    ],
    ['a pod without containers', pod({}), /spec\.containers: required/],
    [
      'an annotation that is not a string',
      pod({ containers: [{ name: 'a' }] }, { name: 'p', annotations: { a: 1 } }),
      /annotations\.a: expected string/,
    ],
    ['env as an object', pod({ containers: [{ name: 'a', env: { A: 'b' } }] }), /env: expected array/],
  ];
  for (const [what, p, expected] of bad) {
    it(`rejects ${what}`, () => {
      const errors = podSchemaErrors(p);
      ok(
        errors.some((e) => expected.test(e)),
        `expected ${String(expected)} in ${JSON.stringify(errors)}`,
      );
    });
  }
});
