import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { decision, doc, initNames, pod, policySet, run } from './helpers.js';

describe('opt-out: init-injector.io/inject "false" skips every policy that is not required', () => {
  const set = policySet(doc('optional'), doc('mandatory', { required: true }));
  const optedOut = pod({ metadata: { annotations: { 'init-injector.io/inject': 'false' } } });

  it('skips the optional policy with reason opted_out and still injects the required one', () => {
    const r = run(optedOut, set);
    equal(decision(r, 'optional')?.reason, 'opted_out');
    deepStrictEqual(initNames(r.mutated), ['mandatory']);
    deepStrictEqual(r.warnings, []);
  });

  it('treats "False" with spaces like "false"', () => {
    const r = run(pod({ metadata: { annotations: { 'init-injector.io/inject': ' False ' } } }), set);
    deepStrictEqual(r.injected, ['mandatory']);
  });

  it('injects both when the annotation says "true"', () => {
    const r = run(pod({ metadata: { annotations: { 'init-injector.io/inject': 'true' } } }), set);
    deepStrictEqual(r.injected, ['mandatory', 'optional']);
  });
});

describe('OnRequest: only pods that list the policy in init-injector.io/request get it', () => {
  const set = policySet(
    doc('always'),
    doc('cert-fetcher', { mode: 'OnRequest' }),
    doc('wait-for-db', { mode: 'OnRequest' }),
  );

  it('skips an OnRequest policy the pod does not request', () => {
    const r = run(pod(), set);
    deepStrictEqual(r.injected, ['always']);
    equal(decision(r, 'cert-fetcher')?.reason, 'not_requested');
  });

  it('injects requested policies, trimming spaces around names', () => {
    const r = run(
      pod({ metadata: { annotations: { 'init-injector.io/request': ' wait-for-db , cert-fetcher,' } } }),
      set,
    );
    deepStrictEqual(r.injected, ['always', 'cert-fetcher', 'wait-for-db']);
    deepStrictEqual(r.warnings, []);
  });

  it('warns once about unknown names and still injects the known ones', () => {
    const r = run(
      pod({ metadata: { annotations: { 'init-injector.io/request': 'cert-fetcher,nope,constructor' } } }),
      set,
    );
    deepStrictEqual(r.injected, ['always', 'cert-fetcher']);
    equal(r.warnings.length, 1);
    match(r.warnings[0] ?? '', /unknown policies: nope, constructor/);
  });

  it('warns when a requested policy is skipped because it does not match', () => {
    const s = policySet(doc('cert-fetcher', { mode: 'OnRequest', match: { namespaces: ['payments'] } }));
    const r = run(pod({ metadata: { annotations: { 'init-injector.io/request': 'cert-fetcher' } } }), s, {
      namespace: 'payments-x',
    });
    deepStrictEqual(r.injected, []);
    match(r.warnings.join('\n'), /cert-fetcher skipped/);
  });
});

describe('match.namespaces: names and anchored * globs', () => {
  const set = policySet(
    doc('exact', { match: { namespaces: ['payments'] } }),
    doc('glob', { match: { namespaces: ['team-*'] } }),
  );

  for (const [ns, expected] of [
    ['payments', ['exact']],
    ['team-a', ['glob']],
    ['team-', ['glob']],
    ['my-team-a', []],
    ['payments2', []],
  ] as const) {
    it(`namespace ${ns} gets ${expected.join(', ') || 'nothing'}`, () => {
      deepStrictEqual(run(pod(), set, { namespace: ns }).injected, expected);
    });
  }

  it('uses metadata.namespace when the request namespace is empty', () => {
    const r = run(pod({ metadata: { namespace: 'payments' } }), set, { namespace: '' });
    deepStrictEqual(r.injected, ['exact']);
  });
});

describe('label selectors: matchLabels and the four matchExpressions operators, Kubernetes semantics', () => {
  const selectors = {
    labels: { matchLabels: { tier: 'backend' } },
    in: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] },
    notin: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] },
    exists: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'Exists' }] },
    absent: { matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] },
    empty: {},
  };
  const set = policySet(
    ...Object.entries(selectors).map(([name, podSelector]) => doc(name, { match: { podSelector } })),
  );
  const cases: [Record<string, string>, string[]][] = [
    [{}, ['absent', 'empty', 'notin']],
    [{ tier: 'backend', env: 'prod' }, ['absent', 'empty', 'in', 'labels', 'notin']],
    [{ env: 'dev', legacy: 'yes' }, ['empty']],
    [
      { 'app.kubernetes.io/name': 'web', env: 'staging', tier: 'frontend' },
      ['absent', 'empty', 'exists', 'in', 'notin'],
    ],
    [{ constructor: 'x', toString: 'y' }, ['absent', 'empty', 'notin']],
  ];
  for (const [labels, expected] of cases) {
    it(`pod labels ${JSON.stringify(labels)} match exactly ${expected.join(', ')}`, () => {
      deepStrictEqual(run(pod({ metadata: { labels } }), set).injected, expected);
    });
  }

  it('applies namespaceSelector to the namespace labels', () => {
    const s = policySet(doc('backend', { match: { namespaceSelector: { matchLabels: { tier: 'backend' } } } }));
    deepStrictEqual(run(pod(), s, { labels: { tier: 'backend' } }).injected, ['backend']);
    const r = run(pod(), s, { labels: { tier: 'frontend' } });
    equal(decision(r, 'backend')?.reason, 'no_match');
  });

  it('never matches a namespaceSelector when the namespace labels are unknown', () => {
    const s = policySet(doc('backend', { match: { namespaceSelector: {} } }));
    const r = run(pod(), s, { labels: undefined });
    deepStrictEqual(r.injected, []);
    equal(decision(r, 'backend')?.reason, 'namespace_labels_unknown');
  });

  it('denies for a required policy whose namespaceSelector meets unknown labels (fail closed)', () => {
    const s = policySet(doc('backend', { required: true, match: { namespaceSelector: {} } }));
    const r = run(pod(), s, { labels: undefined });
    equal(r.denial?.reason, 'namespace_labels_unknown');
  });
});

describe('match and exclude: every match part must hold, any exclude part excludes', () => {
  const set = policySet(
    doc('both', {
      match: {
        namespaces: ['prod-*'],
        podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
      },
      exclude: { podSelector: { matchLabels: { canary: 'true' } }, namespaces: ['prod-legacy'] },
    }),
  );

  it('injects when every match part holds and no exclude part does', () => {
    deepStrictEqual(run(pod({ metadata: { labels: { app: 'web' } } }), set, { namespace: 'prod-eu' }).injected, [
      'both',
    ]);
  });
  it('skips with no_match when one match part fails', () => {
    const r = run(pod({ metadata: { labels: { app: 'api' } } }), set, { namespace: 'prod-eu' });
    equal(decision(r, 'both')?.reason, 'no_match');
  });
  it('skips with excluded when the exclude podSelector holds', () => {
    const r = run(pod({ metadata: { labels: { app: 'web', canary: 'true' } } }), set, { namespace: 'prod-eu' });
    equal(decision(r, 'both')?.reason, 'excluded');
  });
  it('skips with excluded when the exclude namespaces holds', () => {
    const r = run(pod({ metadata: { labels: { app: 'web' } } }), set, { namespace: 'prod-legacy' });
    equal(decision(r, 'both')?.reason, 'excluded');
  });
});

describe('CEL conditions see object, namespaceObject and request', () => {
  const set = policySet(
    doc('cel', {
      match: {
        conditions: [
          { name: 'no-host-network', expression: '!has(object.spec.hostNetwork) || !object.spec.hostNetwork' },
          { name: 'ns-tier', expression: 'namespaceObject.metadata.labels["tier"] == "backend"' },
          { name: 'not-dry-run', expression: '!has(request.dryRun) || !request.dryRun' },
        ],
      },
    }),
  );
  const labels = { tier: 'backend' };

  it('injects when every condition is true', () => {
    deepStrictEqual(run(pod(), set, { labels }).injected, ['cel']);
  });
  it('skips with condition_false when the pod (object) fails a condition', () => {
    const r = run(pod({ spec: { hostNetwork: true } }), set, { labels });
    equal(decision(r, 'cel')?.reason, 'condition_false');
    match(decision(r, 'cel')?.detail ?? '', /no-host-network/);
  });
  it('skips when the namespace (namespaceObject) fails a condition', () => {
    equal(decision(run(pod(), set, { labels: { tier: 'web' } }), 'cel')?.reason, 'condition_false');
  });
  it('uses the Namespace object when the caller has one', () => {
    const object = { metadata: { name: 'default', labels: { tier: 'backend' } } };
    deepStrictEqual(run(pod(), set, { labels: { tier: 'other' }, namespaceObject: object }).injected, ['cel']);
  });
  it('skips when the request fails a condition', () => {
    const r = run(pod(), set, { labels, request: { uid: 'u', operation: 'CREATE', dryRun: true } });
    equal(decision(r, 'cel')?.reason, 'condition_false');
  });
  it('skips an optional policy with condition_error and a warning when evaluation fails', () => {
    const s = policySet(
      doc('bad', { match: { conditions: [{ name: 'missing', expression: 'object.spec.nope == "x"' }] } }),
    );
    const r = run(pod(), s);
    equal(decision(r, 'bad')?.reason, 'condition_error');
    match(r.warnings[0] ?? '', /bad skipped: match condition "missing" failed/);
  });
  it('denies for a required policy whose condition fails to evaluate', () => {
    const s = policySet(
      doc('bad', {
        required: true,
        match: { conditions: [{ name: 'missing', expression: 'object.spec.nope == "x"' }] },
      }),
    );
    const r = run(pod(), s);
    equal(r.denial?.reason, 'condition_error');
    match(r.denial.message, /policy "bad" is required/);
  });
  it('treats a non-bool result as an error', () => {
    const s = policySet(doc('dyn', { match: { conditions: [{ name: 'name', expression: 'object.metadata.name' }] } }));
    const r = run(pod(), s);
    equal(decision(r, 'dyn')?.reason, 'condition_error');
    match(decision(r, 'dyn')?.detail ?? '', /not a bool/);
  });
  it('excludes when every exclude condition is true', () => {
    const s = policySet(
      doc('ex', { exclude: { conditions: [{ name: 'web', expression: 'object.metadata.name == "web"' }] } }),
    );
    equal(decision(run(pod(), s), 'ex')?.reason, 'excluded');
    ok(run(pod({ metadata: { name: 'api' } }), s).injected.includes('ex'));
  });
});
