// Costs a pod controls are bounded: what one tenant's pod can make a single admission do. Each case
// is a shape that once stalled the webhook for seconds; each asserts the outcome, not a timing (a
// hang or a blow-up fails through mocha's timeout, the figures live in `npm run bench`).
import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { CelBudget, CEL_COST_BUDGET } from '../../../src/engine/cel-budget.js';
import { mutate } from '../../../src/engine/index.js';
import { MAX_MOUNT_TARGETS } from '../../../src/engine/apply.js';
import { canonicalMilli } from '../../../src/engine/quantity.js';
import type { Pod } from '../../../src/kube/wire.js';
import { compileCel } from '../../../src/policy/cel.js';
import { decision, doc, pod, policySet, run } from './helpers.js';

const IMAGE_GRAMMAR = String.raw`[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`;

describe('bounded costs: quantities are compared within a bounded scale', () => {
  it('brings ordinary quantities to one canonical form, rounded up to milli units', () => {
    deepStrictEqual(['0.5', '500m', '1', '1000m', '1k', '1e3', '1Ki', '1.5Gi', '100n', '+2'].map(canonicalMilli), [
      '500m',
      '500m',
      '1000m',
      '1000m',
      '1000000m',
      '1000000m',
      '1024000m',
      '1610612736000m',
      '1m',
      '2000m',
    ]);
  });

  it('leaves a quantity beyond the bounded scale as its text, whatever its exponent', () => {
    for (const q of ['1e10000000', '9e999999999', '1e300000000', '1e41', `1${'0'.repeat(100)}`])
      equal(canonicalMilli(q), undefined, q);
  });

  it('treats a look-alike with a huge-exponent limit as not present: a conflict, answered at once', () => {
    const set = policySet(
      doc('network-check', {
        required: true,
        initContainers: [{ name: 'network-check', image: 'example.com/nc:1', resources: { limits: { cpu: '100m' } } }],
      }),
    );
    for (const cpu of ['1e10000000', '9e999999999', '1e300000000']) {
      const p = pod({
        metadata: { annotations: { 'init-injector.io/injected': 'network-check' } },
        spec: {
          initContainers: [{ name: 'network-check', image: 'example.com/nc:1', resources: { limits: { cpu } } }],
        },
      });
      const r = run(p, set);
      equal(decision(r, 'network-check')?.outcome, 'deny', cpu);
      equal(decision(r, 'network-check')?.reason, 'name_conflict', cpu);
    }
  });

  it('answers a look-alike whose volumeMounts is null instead of failing', () => {
    const set = policySet(doc('network-check', { required: true }));
    const p = pod({
      metadata: { annotations: { 'init-injector.io/injected': 'network-check' } },
      spec: { initContainers: [{ name: 'network-check', image: 'example.com/other:1', volumeMounts: null }] },
    });
    equal(decision(run(p, set), 'network-check')?.reason, 'name_conflict');
  });
});

describe('bounded costs: the patch carries one op per annotation it writes, whatever the pod carries', () => {
  it('writes only init-injector.io/injected and init-injector.io/digests for a pod with 20,000 annotations', () => {
    const annotations = Object.fromEntries(
      Array.from({ length: 20_000 }, (_, i) => [`example.com/a${String(i)}`, 'x']),
    );
    const r = run(pod({ metadata: { annotations } }), policySet(doc('network-check')));
    deepStrictEqual(
      r.patch.filter((op) => op.path.startsWith('/metadata')).map((op) => op.path),
      ['/metadata/annotations/init-injector.io~1injected', '/metadata/annotations/init-injector.io~1digests'],
    );
    equal(Object.keys(r.mutated.metadata?.annotations ?? {}).length, 20_002);
  });

  it('gives a pod with metadata: null its record annotations in one op that nothing overwrites', () => {
    const r = run({ ...pod(), metadata: null } as unknown as Pod, policySet(doc('network-check')));
    deepStrictEqual(
      r.patch.filter((op) => op.path.startsWith('/metadata')).map((op) => op.path),
      ['/metadata'],
    );
    equal(r.mutated.metadata?.annotations?.['init-injector.io/injected'], 'network-check');
  });

  it('answers without listing or copying the annotations; only reading the mutated pod copies them', () => {
    const listed: string[] = [];
    const annotations = new Proxy<Record<string, string>>(
      { 'example.com/a': 'x', 'example.com/b': 'y' },
      {
        ownKeys(target) {
          listed.push('ownKeys');
          return Reflect.ownKeys(target);
        },
      },
    );
    // mutate() itself: the test helper run() lists the whole pod to check its invariants.
    const r = mutate({
      pod: pod({ metadata: { annotations } }),
      namespace: { name: 'default', labels: {} },
      policies: policySet(doc('network-check')),
    });
    deepStrictEqual(
      r.patch.map((op) => op.path),
      [
        '/metadata/annotations/init-injector.io~1injected',
        '/metadata/annotations/init-injector.io~1digests',
        '/spec/initContainers',
      ],
    );
    deepStrictEqual(listed, []);
    equal(r.mutated.metadata?.annotations?.['example.com/b'], 'y');
    ok(listed.length > 0, 'building the mutated pod copies the annotations');
  });
});

describe('bounded costs: mounts go into at most MAX_MOUNT_TARGETS app containers', () => {
  const mounting = (extra: Record<string, unknown> = {}) =>
    doc('certs', {
      volumes: [{ name: 'certs', emptyDir: {} }],
      volumeMounts: { containers: '*', mounts: [{ name: 'certs', mountPath: '/etc/certs' }] },
      ...extra,
    });

  it('mounts into every app container up to the bound', () => {
    const r = run(manyContainers(MAX_MOUNT_TARGETS), policySet(mounting()));
    equal(decision(r, 'certs')?.outcome, 'inject');
    equal(r.patch.filter((op) => op.path.endsWith('/volumeMounts')).length, MAX_MOUNT_TARGETS);
  });

  it('skips an optional policy (with a warning) and denies for a required one beyond it', () => {
    const skipped = run(manyContainers(MAX_MOUNT_TARGETS + 1), policySet(mounting()));
    equal(decision(skipped, 'certs')?.reason, 'mount_conflict');
    ok(skipped.warnings.some((w) => w.includes(`at most ${String(MAX_MOUNT_TARGETS)}`)));
    const denied = run(manyContainers(70_000), policySet(mounting({ required: true })));
    equal(decision(denied, 'certs')?.outcome, 'deny');
    match(denied.denial?.message ?? '', /the pod has 70000 containers to mount into/);
  });
});

describe('bounded costs: CEL matches() is RE2, linear in the string', () => {
  const set = policySet(
    doc('image-check', {
      required: true,
      match: {
        conditions: [
          { name: 'known-images', expression: `object.spec.containers.all(c, c.image.matches('${IMAGE_GRAMMAR}$'))` },
        ],
      },
    }),
  );

  it('answers a 10,000-character near-miss of a backtracking-prone pattern at once (condition false)', () => {
    const p = pod({ spec: { containers: [{ name: 'app', image: `registry.example.com/${'a'.repeat(10_000)}!` }] } });
    equal(decision(run(p, set), 'image-check')?.reason, 'condition_false');
  });

  it('keeps matches() semantics: unanchored search, true on a match', () => {
    const p = pod({ spec: { containers: [{ name: 'app', image: 'registry.example.com/web_app:1' }] } });
    equal(decision(run(p, set), 'image-check')?.outcome, 'inject');
  });

  it('reports an invalid pattern from the pod as a condition error naming matches, not the RE2 rename', () => {
    const s = policySet(
      doc('dyn-pattern', {
        match: {
          conditions: [{ name: 'p', expression: "object.metadata.name.matches(object.metadata.labels['re'])" }],
        },
      }),
    );
    const r = run(pod({ metadata: { labels: { re: '(' } } }), s);
    equal(decision(r, 'dyn-pattern')?.reason, 'condition_error');
    match(decision(r, 'dyn-pattern')?.detail ?? '', /regular expression/);
    ok(!(decision(r, 'dyn-pattern')?.detail ?? '').includes('matches_re2'));
  });
});

function manyContainers(n: number): Pod {
  return pod({ spec: { containers: Array.from({ length: n }, (_, i) => ({ name: `c${String(i)}`, image: 'x' })) } });
}

describe('bounded costs: CEL conditions share a cost budget per admission', () => {
  const quadratic = 'object.spec.containers.all(a, object.spec.containers.exists(b, b.name == a.name))';

  it('evaluates an ordinary condition well inside the budget', () => {
    const program = compileCel(quadratic);
    if ('problem' in program) throw new Error(program.problem);
    const budget = new CelBudget();
    equal(program.evaluate({ object: manyContainers(10), namespaceObject: {}, request: {} }, budget), true);
    ok(budget.spent > 0 && budget.spent < CEL_COST_BUDGET / 10, `spent ${String(budget.spent)}`);
  });

  it('stops a quadratic condition over 20,000 containers with condition_error; a required policy denies', () => {
    const set = policySet(
      doc('unique', { required: true, match: { conditions: [{ name: 'q', expression: quadratic }] } }),
    );
    const r = run(manyContainers(20_000), set);
    equal(decision(r, 'unique')?.outcome, 'deny');
    equal(decision(r, 'unique')?.reason, 'condition_error');
    match(r.denial?.message ?? '', /exceeded the CEL cost budget of 20000 units/);
  });

  it('skips an optional policy over budget with a warning, and the budget is shared by later conditions', () => {
    const set = policySet(
      doc('first', { priority: 1, match: { conditions: [{ name: 'q', expression: quadratic }] } }),
      doc('second', { priority: 2, match: { conditions: [{ name: 'cheap', expression: 'true || object.x == 1' }] } }),
      doc('third', { priority: 3, match: { conditions: [{ name: 'reads', expression: 'has(object.metadata)' }] } }),
    );
    const r = run(manyContainers(20_000), set);
    equal(decision(r, 'first')?.reason, 'condition_error');
    ok(r.warnings.some((w) => w.includes('policy first skipped') && w.includes('CEL cost budget')));
    equal(decision(r, 'third')?.reason, 'condition_error');
  });

  it("fails a condition whose && or || absorbed the budget's error", () => {
    const program = compileCel(`object.spec.containers.exists(a, ${quadratic}) || true`);
    if ('problem' in program) throw new Error(program.problem);
    let failure = '';
    try {
      program.evaluate({ object: manyContainers(20_000), namespaceObject: {}, request: {} }, new CelBudget());
    } catch (e) {
      failure = String(e);
    }
    match(failure, /CEL cost budget/);
  });

  it('charges a long string read by its length', () => {
    const program = compileCel("object.metadata.name.startsWith('x')");
    if ('problem' in program) throw new Error(program.problem);
    const budget = new CelBudget();
    program.evaluate({ object: { metadata: { name: 'y'.repeat(160_000) } }, namespaceObject: {}, request: {} }, budget);
    ok(budget.spent >= 10_000, `spent ${String(budget.spent)}`);
  });
});

describe('bounded costs: what an expression computes itself is charged where it is reused', () => {
  const spentOn = (expression: string, object: unknown): number | 'exceeded' => {
    const program = compileCel(expression);
    if ('problem' in program) throw new Error(program.problem);
    const budget = new CelBudget();
    try {
      program.evaluate({ object, namespaceObject: {}, request: {} }, budget);
    } catch (e) {
      if (budget.exceeded) return 'exceeded';
      throw e;
    }
    return budget.spent;
  };
  const names = (n: number): unknown => manyContainers(n);

  it('stops nested loops over a list the expression built (map, split, cel.bind)', () => {
    for (const expression of [
      '[object.spec.containers.map(c, c.name)].all(l, l.all(a, l.exists(b, a == b)))',
      "object.metadata.name.split('').all(x, object.metadata.name.split('').exists(y, x == y))",
      'cel.bind(ns, object.spec.containers.map(c, c.name), ns.all(a, ns.exists(b, a == b)))',
      'cel.bind(ns, object.spec.containers.map(c, c.name), object.spec.containers.all(c, c.name in ns))',
    ]) {
      const pod = { ...(names(5_000) as object), metadata: { name: 'n'.repeat(5_000) } };
      equal(spentOn(expression, pod), 'exceeded', expression);
    }
  });

  it('charges a long string bound once and scanned in a loop by its length at every use', () => {
    const expression =
      "cel.bind(s, object.metadata.name + object.metadata.name, object.spec.containers.all(c, !s.contains(c.name + '!')))";
    const pod = { ...(names(2_000) as object), metadata: { name: 'n'.repeat(10_000) } };
    equal(spentOn(expression, pod), 'exceeded');
  });

  it('charges loops over literal lists, so nested ones cannot repeat work for free', () => {
    const hundred = `[${Array(100).fill('1').join(',')}]`;
    equal(spentOn(`${hundred}.all(a, ${hundred}.all(b, ${hundred}.all(c, true)))`, {}), 'exceeded');
  });

  it('keeps the cost of ordinary conditions small', () => {
    const pod = names(5);
    for (const expression of [
      "object.spec.containers.all(c, ['registry.example.com/', 'x'].exists(r, c.image.startsWith(r)))",
      'object.spec.containers.all(c, !has(c.securityContext) || c.securityContext.runAsNonRoot == true)',
      'cel.bind(cs, object.spec.containers, cs.all(c, cs.exists(d, d.name == c.name)))',
    ]) {
      const spent = spentOn(expression, pod);
      ok(typeof spent === 'number' && spent < 1000, `${expression}: ${String(spent)}`);
    }
  });

  it('refuses at load time a condition that spends the whole budget on an empty pod', () => {
    const hundred = `[${Array(100).fill('1').join(',')}]`;
    const expression = `${hundred}.all(a, ${hundred}.all(b, ${hundred}.all(c, object.kind == 'Pod')))`;
    let message = '';
    try {
      policySet(doc('costly', { match: { conditions: [{ name: 'c', expression }] } }));
    } catch (e) {
      message = String(e);
    }
    match(message, /exceeds the CEL cost budget of one admission even for an empty pod/);
  });
});
