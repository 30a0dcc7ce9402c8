import { deepStrictEqual, equal, notEqual } from 'node:assert/strict';
import fc from 'fast-check';
import { ANNOTATION } from '../../../src/engine/annotations.js';
import { exactQuantity, compareExact } from '../../../src/engine/quantity.js';
import type { Container } from '../../../src/kube/wire.js';
import { decision, doc, pod, policySet, run } from './helpers.js';

const MEMORY = 'init-injector.io/cache-warm.memory';
const RETRIES = 'init-injector.io/cache-warm.retries';
const TIMEOUT = 'init-injector.io/cache-warm.timeout';
const VERBOSE = 'init-injector.io/cache-warm.verbose';

const warm = (extra: Record<string, unknown> = {}) =>
  doc('cache-warm', {
    qos: { preserve: [] },
    parameters: [
      { name: 'memory', type: 'Quantity', default: '64Mi', minimum: '32Mi', maximum: '1Gi' },
      { name: 'retries', type: 'Integer', default: '3', minimum: '0', maximum: '10' },
      { name: 'timeout', type: 'Duration', default: '30s', minimum: '1s', maximum: '5m' },
      { name: 'verbose', type: 'Boolean', default: 'false' },
    ],
    initContainers: [
      {
        name: 'cache-warm',
        image: 'example.com/cache-warm:1',
        args: ['--retries={{ params.retries }}', '--timeout={{ params.timeout }}', '--verbose={{ params.verbose }}'],
        resources: { requests: { memory: '{{ params.memory }}' }, limits: { memory: '{{ params.memory }}' } },
      },
    ],
    ...extra,
  });
const annotated = (annotations: Record<string, string>) => pod({ metadata: { annotations } });
const container = (r: ReturnType<typeof run>): Container | undefined => r.mutated.spec?.initContainers?.[0];

describe('typed parameters: values of their type within their bounds', () => {
  it('renders the defaults, and a Quantity placeholder sizes the container', () => {
    const c = container(run(pod(), policySet(warm())));
    deepStrictEqual(c?.args, ['--retries=3', '--timeout=30s', '--verbose=false']);
    deepStrictEqual(c.resources, { requests: { memory: '64Mi' }, limits: { memory: '64Mi' } });
  });

  it('renders integers and booleans in canonical form, durations and quantities as written', () => {
    const p = annotated({ [MEMORY]: '0.5Gi', [RETRIES]: '+07', [TIMEOUT]: '1m30s', [VERBOSE]: 'True' });
    const c = container(run(p, policySet(warm())));
    deepStrictEqual(c?.args, ['--retries=7', '--timeout=1m30s', '--verbose=true']);
    equal(c.resources?.limits?.['memory'], '0.5Gi');
  });

  it('skips an optional policy with a warning naming the annotation, the value, the type and the bounds', () => {
    const r = run(annotated({ [MEMORY]: '2Gi' }), policySet(warm()));
    equal(decision(r, 'cache-warm')?.reason, 'param_invalid');
    deepStrictEqual(r.warnings, [
      `policy cache-warm skipped: annotation ${MEMORY}="2Gi" is above the maximum 1Gi: parameter "memory" is a Quantity from 32Mi to 1Gi`,
    ]);
    deepStrictEqual(r.patch, []);
  });

  it('says what a malformed value should look like', () => {
    const cases: [string, string, string][] = [
      [RETRIES, 'three', 'is not an integer (such as 3 or -1): parameter "retries" is an Integer from 0 to 10'],
      [
        TIMEOUT,
        '30',
        'is not a duration (such as 30s, 1m30s or 500ms): parameter "timeout" is a Duration from 1s to 5m',
      ],
      [VERBOSE, 'yes', 'is not a boolean (true or false): parameter "verbose" is a Boolean'],
      [
        MEMORY,
        '-64Mi',
        'is not a non-negative quantity (such as 250m, 1.5, 128Mi or 1Gi): parameter "memory" is a Quantity from 32Mi to 1Gi',
      ],
    ];
    for (const [key, value, why] of cases) {
      const r = run(annotated({ [key]: value }), policySet(warm()));
      deepStrictEqual(r.warnings, [`policy cache-warm skipped: annotation ${key}=${JSON.stringify(value)} ${why}`]);
    }
  });

  it('denies for a required policy, as a pattern mismatch does', () => {
    const r = run(annotated({ [RETRIES]: '11' }), policySet(warm({ required: true })));
    equal(r.denial?.reason, 'param_invalid');
    equal(
      r.denial.message,
      `policy "cache-warm" is required and cannot be applied: annotation ${RETRIES}="11" is above the maximum 10: parameter "retries" is an Integer from 0 to 10`,
    );
  });

  it('records another digest for another value, and the same for the same rendered value', () => {
    const digest = (annotations: Record<string, string>) =>
      run(annotated(annotations), policySet(warm())).mutated.metadata?.annotations?.[ANNOTATION.digests];
    notEqual(digest({ [MEMORY]: '128Mi' }), digest({}));
    equal(digest({ [RETRIES]: '003' }), digest({}), 'renders 3 either way: the pod gets the same container');
  });

  it('property: a quantity annotation is injected exactly when it is a quantity within the bounds, as written', () => {
    const min = exactQuantity('32Mi') ?? { num: 0n, den: 1n };
    const max = exactQuantity('1Gi') ?? { num: 0n, den: 1n };
    const set = policySet(warm());
    const quantity = fc
      .tuple(
        fc.constantFrom('', '-', '+'),
        fc.integer({ min: 0, max: 5000 }),
        fc.constantFrom('', '.5', '.25'),
        fc.constantFrom('', 'm', 'k', 'M', 'G', 'Ki', 'Mi', 'Gi', 'e6', 'E9', 'x'),
      )
      .map(([sign, n, frac, suffix]) => `${sign}${String(n)}${frac}${suffix}`);
    fc.assert(
      fc.property(quantity, (value) => {
        const r = run(annotated({ [MEMORY]: value }), set);
        const q = value.startsWith('-') ? undefined : exactQuantity(value);
        const inside = q !== undefined && compareExact(q, min) >= 0 && compareExact(q, max) <= 0;
        equal(decision(r, 'cache-warm')?.outcome, inside ? 'inject' : 'skip', value);
        if (inside) equal(container(r)?.resources?.limits?.['memory'], value);
      }),
      { numRuns: 300 },
    );
  });
});
