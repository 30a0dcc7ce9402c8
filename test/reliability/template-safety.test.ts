// Template and parameter safety (docs/reliability.md §3): a parameter value is inserted as literal
// text into the one string that names it, and nowhere else; a value failing its pattern never
// reaches a pod.
import { deepStrictEqual, ok } from 'node:assert/strict';
import { initContainer, pod, policy, run } from './support/build.js';

const ANNOTATION = 'example.com/target';

/** A policy whose container uses the parameter in env, args and inside a longer string. */
const template = (extra: Record<string, unknown> = {}) =>
  policy('net-check', {
    parameters: [{ name: 'target', annotation: ANNOTATION, default: 'one.one', ...extra }],
    initContainers: [
      {
        name: 'net-check',
        image: 'busybox:1.36',
        command: ['sh', '-c', 'check "$TARGET"'],
        args: ['--to={{ params.target }}', 'fixed'],
        env: [
          { name: 'TARGET', value: '{{ params.target }}' },
          { name: 'POD', value: '{{ pod.name }}' },
        ],
      },
    ],
  });

/** The container the engine must produce for value `v`: only the two substituted strings differ. */
const expected = (v: string) => ({
  name: 'net-check',
  image: 'busybox:1.36',
  command: ['sh', '-c', 'check "$TARGET"'],
  args: [`--to=${v}`, 'fixed'],
  env: [
    { name: 'TARGET', value: v },
    { name: 'POD', value: 'web-0' },
  ],
});

const hostile: [string, string][] = [
  ['a newline and a YAML key', 'x\nimage: evil:latest\ncommand: [sh]'],
  ['double and single quotes', `x" y' z\\"`],
  ['a placeholder that names another value', '{{ pod.name }}'],
  ['a placeholder of itself', '{{ params.target }}'],
  ['unbalanced braces', '}}{{ x'],
  ['a JSON fragment breaking out of a string', '", "securityContext": {"privileged": true}, "x": "'],
  ['a JSON object', '{"name":"evil","image":"evil","securityContext":{"privileged":true}}'],
  ['a YAML document separator and flow map', '---\n{privileged: true}\n...'],
  ['unicode look-alikes (Cyrillic, fullwidth, RTL override)', 'іmage ｐａｒａｍｓ \u202Eevil'],
  ['JSON pointer characters', '/spec/containers/0~1~0'],
  ['shell syntax', '$(id) `id` ${HOME}; rm -rf /'],
  ['a NUL and control characters', 'a\u0000b\u0007c\r\n'],
  ['a 1 MiB string', 'A'.repeat(1024 * 1024)],
  ['dollar replacement patterns of String.replace', "$& $` $' $$ $1"],
];

describe('reliability: template and parameter safety', () => {
  for (const [what, value] of hostile) {
    it(`inserts ${what} as literal text into the strings that name the parameter, and only there`, () => {
      const r = run([template()], pod({ annotations: { [ANNOTATION]: value } }));
      deepStrictEqual(r.injected, ['net-check']);
      deepStrictEqual(initContainer(r, 'net-check'), expected(value));
      deepStrictEqual(r.mutated.spec?.initContainers?.length, 1, 'the value created extra containers');
      deepStrictEqual((r.mutated.spec as { containers?: unknown } | undefined)?.containers, [
        { name: 'app', image: 'nginx:1.27' },
      ]);
    });
  }

  it('inserts hostile pod fields ({{ pod.* }}, seen before validation) literally as well', () => {
    const fields = {
      name: 'x\nimage: evil',
      generateName: '{{ params.target }}',
      namespace: 'team-a',
      serviceAccountName: '", "privileged": true',
    };
    const p = policy('pod-fields', {
      initContainers: [
        {
          name: 'pod-fields',
          image: 'busybox:1.36',
          args: ['{{ pod.name }}|{{ pod.generateName }}|{{ pod.namespace }}|{{ pod.serviceAccountName }}'],
        },
      ],
    });
    const target = pod();
    target.metadata = { name: fields.name, generateName: fields.generateName, namespace: fields.namespace };
    target.spec!.serviceAccountName = fields.serviceAccountName;
    const r = run([p], target);
    deepStrictEqual(initContainer(r, 'pod-fields'), {
      name: 'pod-fields',
      image: 'busybox:1.36',
      args: [`${fields.name}|${fields.generateName}|${fields.namespace}|${fields.serviceAccountName}`],
    });
  });

  it('does not substitute into the annotation value itself or re-scan the result', () => {
    const r = run([template()], pod({ annotations: { [ANNOTATION]: '{{ params.target }}{{ pod.namespace }}' } }));
    deepStrictEqual(initContainer(r, 'net-check')?.env?.[0]?.value, '{{ params.target }}{{ pod.namespace }}');
    deepStrictEqual(r.mutated.metadata?.annotations?.[ANNOTATION], '{{ params.target }}{{ pod.namespace }}');
  });

  const failing: [string, string, string][] = [
    ['a value with a space', '^[a-z.]+$', 'evil value'],
    ['a trailing newline ($ must not match before it)', '^[a-z.]+$', 'abc\n'],
    ['a second line', '^[a-z.]+$', 'abc\nimage: evil'],
    ['an unanchored pattern matching only a part', '[a-z.]+', 'abc; rm -rf /'],
    ['an empty value', '^[a-z.]+$', ''],
  ];
  for (const [what, pattern, value] of failing) {
    it(`never lets ${what} (pattern ${pattern}) reach a container of an optional policy`, () => {
      const r = run([template({ pattern })], pod({ annotations: { [ANNOTATION]: value } }));
      deepStrictEqual(r.denial, undefined);
      deepStrictEqual(r.injected, [], 'the policy was applied with a value failing its pattern');
      deepStrictEqual(r.patch, []);
      ok(
        r.decisions.some((d) => d.policy === 'net-check' && d.outcome === 'skip' && d.reason === 'param_invalid'),
        JSON.stringify(r.decisions),
      );
      ok(
        r.warnings.some((w) => w.includes(ANNOTATION)),
        `no warning names ${ANNOTATION}: ${JSON.stringify(r.warnings)}`,
      );
    });
    it(`denies ${what} (pattern ${pattern}) for a required policy, naming the annotation`, () => {
      const p = template({ pattern });
      p.spec['required'] = true;
      const r = run([p], pod({ annotations: { [ANNOTATION]: value } }));
      deepStrictEqual(r.patch, []);
      deepStrictEqual(r.denial?.policy, 'net-check');
      deepStrictEqual(r.denial.reason, 'param_invalid');
      ok(r.denial.message.includes(ANNOTATION), r.denial.message);
      ok(!JSON.stringify(r.mutated).includes('--to='), 'a container was rendered anyway');
    });
  }

  it('uses the default when the annotation is absent, and the default passes through untouched', () => {
    const r = run([template({ pattern: '^[a-z.]+$' })], pod());
    deepStrictEqual(initContainer(r, 'net-check'), expected('one.one'));
  });
});
