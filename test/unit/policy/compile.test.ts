import { deepStrictEqual, equal, match, ok, throws } from 'node:assert/strict';
import { buildPolicySet, compilePolicy } from '../../../src/policy/compile.js';
import { formatDiagnostic } from '../../../src/policy/diagnostics.js';
import { doc } from '../engine/helpers.js';

/** Compiles one document; the line of a field is its path length (so tests can see which field was blamed). */
function compile(d: ReturnType<typeof doc>, file = 'policies/p.yaml') {
  return compilePolicy(d, { file, line: 3 }, (path) => 10 + path.length);
}
function problems(d: ReturnType<typeof doc>): string[] {
  const r = compile(d);
  return r.ok ? [] : r.error.map(formatDiagnostic);
}

describe('compilePolicy: a valid document compiles to a frozen CompiledPolicy with defaults', () => {
  it('fills the documented defaults', () => {
    const r = compile(doc('p'));
    ok(r.ok);
    const p = r.value;
    deepStrictEqual(
      [p.mode, p.required, p.priority, p.placement, p.action, p.onConflict, p.volumeMounts.containers],
      ['Always', false, 100, 'Prepend', 'Inject', 'Skip', '*'],
    );
    deepStrictEqual(p.containerNames, ['p']);
    deepStrictEqual(
      [p.operatingSystems, p.qos, p.volumeMounts.sidecars],
      [['linux'], { preserve: ['Guaranteed'], guaranteedFrom: 'Limits' }, 'AfterInjected'],
    );
  });

  it('refuses the Linux-only securityContext fields in a policy that targets Windows, each at its path', () => {
    const hardened = {
      initContainers: [
        {
          name: 'check',
          image: 'x',
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        },
      ],
    };
    ok(compile(doc('linux-only', hardened)).ok);
    deepStrictEqual(problems(doc('both', { ...hardened, operatingSystems: ['linux', 'windows'] })), [
      'policies/p.yaml:15: spec.initContainers[0].securityContext.seccompProfile: is Linux-only: the API server refuses it in a Windows pod, and spec.operatingSystems includes windows (use securityContext.windowsOptions, or a separate policy per operating system)',
      'policies/p.yaml:15: spec.initContainers[0].securityContext.runAsUser: is Linux-only: the API server refuses it in a Windows pod, and spec.operatingSystems includes windows (use securityContext.windowsOptions, or a separate policy per operating system)',
    ]);
    const windows = {
      name: 'check',
      image: 'x',
      securityContext: { windowsOptions: { runAsUserName: 'ContainerUser' } },
    };
    ok(compile(doc('win', { initContainers: [windows], operatingSystems: ['windows'] })).ok);
  });

  it("is deeply frozen and does not freeze the caller's document", () => {
    const d = doc('p', { volumes: [{ name: 'v', emptyDir: {} }] });
    const r = compile(d);
    ok(r.ok);
    ok(Object.isFrozen(r.value) && Object.isFrozen(r.value.initContainers[0]) && Object.isFrozen(r.value.volumes[0]));
    throws(() => {
      (r.value.initContainers[0] as { image: string }).image = 'evil';
    });
    ok(!Object.isFrozen(d.spec.initContainers[0]));
  });

  it('defaults a parameter annotation to init-injector.io/<policy>.<parameter>', () => {
    const r = compile(doc('net', { parameters: [{ name: 'target', default: 'a' }] }));
    ok(r.ok);
    equal(r.value.parameters[0]?.annotation, 'init-injector.io/net.target');
  });

  it('treats "*" inside a containers list as every container', () => {
    const r = compile(doc('p', { volumeMounts: { containers: ['app', '*'], mounts: [] } }));
    ok(r.ok);
    equal(r.value.volumeMounts.containers, '*');
  });
});

describe('compilePolicy: every problem is reported with file, line and field path', () => {
  it("reports an invalid regular expression at the pattern's line, quoting the pattern as written", () => {
    deepStrictEqual(problems(doc('p', { parameters: [{ name: 'x', default: 'a', pattern: '([a-z' }] })), [
      'policies/p.yaml:14: spec.parameters[0].pattern: invalid regular expression (RE2 syntax): error parsing regexp: missing closing ]: `[a-z`',
    ]);
  });

  it("refuses lookaround and backreferences, which RE2 does not have, at the pattern's line", () => {
    for (const pattern of ['(?=.{1,253}$)[a-z]+', '(a)\\1']) {
      const got = problems(doc('p', { parameters: [{ name: 'x', pattern }] }));
      equal(got.length, 1, got.join('\n'));
      match(
        got[0] ?? '',
        /^policies\/p\.yaml:14: spec\.parameters\[0\]\.pattern: invalid regular expression \(RE2 syntax\): /,
      );
    }
  });

  it("refuses an anchor that names one of the policy's own init containers", () => {
    deepStrictEqual(problems(doc('p', { anchor: { after: 'p' } })), [
      `policies/p.yaml:13: spec.anchor.after: "p" is one of this policy's own init containers: an anchor names a container of the pod (or of an earlier policy)`,
    ]);
  });

  it('reports typed parameter problems at their fields: fields of another type, bounds, default', () => {
    const param = (p: Record<string, unknown>) => problems(doc('p', { parameters: [{ name: 'x', ...p }] }));
    deepStrictEqual(param({ type: 'Integer', pattern: '[0-9]+', maxLength: 3 }), [
      'policies/p.yaml:14: spec.parameters[0].pattern: applies to String parameters only: an Integer value is checked by its type and bounds',
      'policies/p.yaml:14: spec.parameters[0].maxLength: applies to String parameters only: an Integer value is checked by its type and bounds',
    ]);
    deepStrictEqual(param({ type: 'Boolean', minimum: '0', default: 'yes' }), [
      'policies/p.yaml:14: spec.parameters[0].minimum: applies to Integer, Duration and Quantity parameters only, not to a Boolean parameter',
      'policies/p.yaml:14: spec.parameters[0].default: default "yes" is not a boolean (true or false)',
    ]);
    deepStrictEqual(param({ type: 'Duration', minimum: '10', maximum: '1m', default: '2m' }), [
      'policies/p.yaml:14: spec.parameters[0].minimum: minimum "10" is not a duration (such as 30s, 1m30s or 500ms), as a Duration parameter\'s must be',
      'policies/p.yaml:14: spec.parameters[0].default: default "2m" is above the maximum 1m',
    ]);
    deepStrictEqual(param({ type: 'Quantity', minimum: '1Gi', maximum: '512Mi' }), [
      'policies/p.yaml:14: spec.parameters[0].maximum: maximum 512Mi is below the minimum 1Gi',
    ]);
    deepStrictEqual(param({ type: 'Integer', minimum: '1', maximum: '1', default: '1' }), []);
  });

  it('reports a Secret listed twice in imagePullSecrets, naming the first', () => {
    deepStrictEqual(problems(doc('p', { imagePullSecrets: [{ name: 'reg' }, { name: 'other' }, { name: 'reg' }] })), [
      'policies/p.yaml:14: spec.imagePullSecrets[2].name: duplicate Secret name "reg" (also spec.imagePullSecrets[0])',
    ]);
  });

  it('reports a default longer than maxLength', () => {
    deepStrictEqual(problems(doc('p', { parameters: [{ name: 'x', default: 'abcd', maxLength: 3 }] })), [
      'policies/p.yaml:14: spec.parameters[0].default: default is 4 characters long; maxLength is 3',
    ]);
  });

  it('reports a default that fails its own pattern', () => {
    match(
      problems(doc('p', { parameters: [{ name: 'x', default: 'A', pattern: '^[a-z]+$' }] })).join(),
      /spec\.parameters\[0\]\.default: default "A" does not match/,
    );
  });

  it("reports a CEL syntax error and a non-bool expression at the expression's line", () => {
    const out = problems(
      doc('p', {
        match: {
          conditions: [
            { name: 'broken', expression: 'object.metadata.name ==' },
            { name: 'string', expression: '"a" + "b"' },
            { name: 'unknown', expression: 'pod.name == "x"' },
          ],
        },
      }),
    );
    equal(out.length, 3);
    match(out[0] ?? '', /^policies\/p\.yaml:15: spec\.match\.conditions\[0\]\.expression: invalid CEL/);
    match(out[1] ?? '', /conditions\[1\]\.expression: a condition must yield a bool, this expression yields string/);
    match(out[2] ?? '', /conditions\[2\]\.expression: invalid CEL: Unknown variable: pod/);
  });

  it('reports selector requirements Kubernetes would reject', () => {
    const out = problems(
      doc('p', {
        match: {
          podSelector: {
            matchLabels: { 'bad key!': 'v', ok: 'bad value!' },
            matchExpressions: [
              { key: 'a', operator: 'In' },
              { key: 'b', operator: 'Exists', values: ['x'] },
              { key: 'c', operator: 'NotIn', values: [] },
            ],
          },
        },
      }),
    );
    equal(out.length, 5);
    match(out.join('\n'), /matchExpressions\[0\]\.values: operator In needs a non-empty values list/);
    match(out.join('\n'), /matchExpressions\[1\]\.values: operator Exists takes no values/);
    match(out.join('\n'), /matchLabels\.bad key!: label key "bad key!" is not a qualified name/);
  });

  it('reports a namespace pattern that is neither a name nor a glob', () => {
    match(
      problems(doc('p', { match: { namespaces: ['Team_A'] } })).join(),
      /spec\.match\.namespaces\[0\]: "Team_A" is neither/,
    );
  });

  it('reports an annotation key that is not a qualified name', () => {
    match(
      problems(doc('p', { parameters: [{ name: 'x', annotation: 'not a key', default: 'a' }] })).join(),
      /spec\.parameters\[0\]\.annotation: annotation key/,
    );
  });

  it('assumes validated input: a placeholder validation refused stays literal text, never an error here', () => {
    // Unknown placeholders and duplicate names are validation's (test/unit/policy/load.test.ts).
    const r = compile(doc('p', { initContainers: [{ name: 'c', image: 'i', args: ['{{ pod.uid }}'] }] }));
    ok(r.ok);
    const rendered = r.value.render({
      params: new Map(),
      pod: { name: 'n', generateName: '', namespace: 'ns', serviceAccountName: 'sa' },
    });
    deepStrictEqual(rendered.initContainers[0]?.args, ['{{ pod.uid }}']);
  });
});

describe('buildPolicySet: order, duplicates, candidates index and revision', () => {
  const compiled = (d: ReturnType<typeof doc>, file = 'p.yaml') => {
    const r = compilePolicy(d, { file, line: 1 }, () => 1);
    if (!r.ok) throw new Error('unexpected diagnostics');
    return r.value;
  };

  it('orders by priority ascending, then name', () => {
    const s = buildPolicySet([compiled(doc('b')), compiled(doc('a')), compiled(doc('z', { priority: 1 }))]);
    ok(s.ok);
    deepStrictEqual(
      s.value.policies.map((p) => p.name),
      ['z', 'a', 'b'],
    );
  });

  it('reports a duplicate name with both files and lines', () => {
    const s = buildPolicySet([compiled(doc('a'), 'one.yaml'), compiled(doc('a'), 'two.yaml')]);
    ok(!s.ok);
    equal(
      formatDiagnostic(s.error[0]!),
      'two.yaml:1: metadata.name: duplicate policy name "a", also defined at one.yaml:1',
    );
  });

  it('candidates() returns, in policy order, unconstrained policies plus those whose names or globs admit the namespace', () => {
    const s = buildPolicySet([
      compiled(doc('everywhere', { priority: 50 })),
      compiled(doc('payments', { match: { namespaces: ['payments'] }, priority: 10 })),
      compiled(doc('teams', { match: { namespaces: ['team-*', 'payments'] }, priority: 90 })),
      compiled(doc('excluded-elsewhere', { exclude: { namespaces: ['payments'] } })),
    ]);
    ok(s.ok);
    const names = (ns: string) => s.value.candidates(ns).map((p) => p.name);
    deepStrictEqual(names('payments'), ['payments', 'everywhere', 'teams', 'excluded-elsewhere']);
    deepStrictEqual(names('team-x'), ['everywhere', 'teams', 'excluded-elsewhere']);
    deepStrictEqual(names('other'), ['everywhere', 'excluded-elsewhere']);
    equal(s.value.candidates('payments'), s.value.candidates('payments'));
  });

  it('candidates(ns, podLabels) leaves out policies whose podSelector.matchLabels the pod lacks', () => {
    const s = buildPolicySet([
      compiled(doc('plain')),
      compiled(doc('web-only', { match: { podSelector: { matchLabels: { app: 'web', tier: 'x' } } } })),
      compiled(doc('api-only', { match: { podSelector: { matchLabels: { app: 'api' } } }, priority: 1 })),
    ]);
    ok(s.ok);
    const names = (labels: Record<string, string>) => s.value.candidates('default', labels).map((p) => p.name);
    deepStrictEqual(names({}), ['plain']);
    deepStrictEqual(names({ app: 'api' }), ['api-only', 'plain']);
    deepStrictEqual(names({ app: 'web' }), ['plain', 'web-only']);
    deepStrictEqual(
      s.value.candidates('default').map((p) => p.name),
      ['api-only', 'plain', 'web-only'],
    );
  });

  it('gives a stable revision that changes when a policy changes', () => {
    const rev = (priority: number) => {
      const s = buildPolicySet([compiled(doc('a', { priority })), compiled(doc('b'))]);
      ok(s.ok);
      return s.value.revision;
    };
    equal(rev(1), rev(1));
    ok(rev(1) !== rev(2));
    match(rev(1), /^[0-9a-f]{12}$/);
  });
});
