import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { decision, doc, pod, policySet, run } from './helpers.js';

const ANN = 'network-check.init-injector.io/target';
const checker = (extra: Record<string, unknown> = {}) =>
  doc('network-check', {
    parameters: [{ name: 'target', annotation: ANN, default: '1.1.1.1', pattern: '^[A-Za-z0-9.:-]{1,253}$' }],
    initContainers: [
      {
        name: 'network-check',
        image: 'luksa/network-connectivity-checker:1.0',
        args: ['--target', '{{ params.target }}'],
        env: [{ name: 'TARGET', value: 'tcp://{{params.target}}:443' }],
      },
    ],
    ...extra,
  });
const withTarget = (value: string) => pod({ metadata: { annotations: { [ANN]: value } } });
const env = (r: ReturnType<typeof run>) => r.mutated.spec?.initContainers?.[0]?.env?.[0]?.value;

describe('parameters: the annotation value, else the default, checked against the pattern', () => {
  it('uses the default when the annotation is absent', () => {
    equal(env(run(pod(), policySet(checker()))), 'tcp://1.1.1.1:443');
  });

  it('uses the annotation value when it matches the pattern', () => {
    const r = run(withTarget('db.internal:5432'), policySet(checker()));
    deepStrictEqual(r.mutated.spec?.initContainers?.[0]?.args, ['--target', 'db.internal:5432']);
  });

  it('defaults the annotation to init-injector.io/<policy>.<parameter>', () => {
    const s = policySet(
      doc('n', { parameters: [{ name: 'x' }], initContainers: [{ name: 'n', image: 'i', args: ['{{ params.x }}'] }] }),
    );
    const r = run(pod({ metadata: { annotations: { 'init-injector.io/n.x': 'hello' } } }), s);
    deepStrictEqual(r.mutated.spec?.initContainers?.[0]?.args, ['hello']);
  });

  it('skips an optional policy whose parameter has no value and no default (param_missing)', () => {
    const s = policySet(doc('n', { parameters: [{ name: 'x' }] }));
    const r = run(pod(), s);
    equal(decision(r, 'n')?.reason, 'param_missing');
    match(r.warnings[0] ?? '', /set annotation init-injector\.io\/n\.x/);
  });

  it('denies for a required policy with a bad value, naming the policy, annotation, value and pattern', () => {
    const r = run(withTarget('1.1.1.1;rm -rf /'), policySet(checker({ required: true })));
    equal(r.denial?.reason, 'param_invalid');
    equal(
      r.denial.message,
      `policy "network-check" is required and cannot be applied: annotation ${ANN}="1.1.1.1;rm -rf /" does not match ^[A-Za-z0-9.:-]{1,253}$`,
    );
    deepStrictEqual(r.patch, []);
  });

  it('skips an optional policy with a bad value and warns with the same information', () => {
    const r = run(withTarget('bad value'), policySet(checker()));
    equal(decision(r, 'network-check')?.reason, 'param_invalid');
    equal(
      r.warnings[0],
      `policy network-check skipped: annotation ${ANN}="bad value" does not match ^[A-Za-z0-9.:-]{1,253}$`,
    );
  });

  it('quotes the value with escapes and truncates it to 64 characters in messages', () => {
    const r = run(withTarget(`${'a'.repeat(100)}\n"\u0007`), policySet(checker({ required: true })));
    const message = r.denial?.message ?? '';
    ok(message.includes(`"${'a'.repeat(64)}…"`));
    ok(!message.includes('\n'));
    ok(message.length < 256);
  });

  it('does not fall back to the default when the annotation value is invalid', () => {
    const r = run(withTarget(''), policySet(checker()));
    equal(decision(r, 'network-check')?.reason, 'param_invalid');
  });
});

describe('template safety: a value changes only the one string it is substituted into', () => {
  const open = () =>
    doc('tpl', {
      parameters: [{ name: 'v', annotation: 'example.com/v' }],
      initContainers: [
        {
          name: 'tpl',
          image: 'busybox:1.36',
          command: ['sh', '-c', 'echo "$V"'],
          args: ['before {{ params.v }} after'],
          env: [
            { name: 'V', value: '{{ params.v }}' },
            { name: 'FIXED', value: 'fixed' },
          ],
        },
      ],
    });
  const hostile: Record<string, string> = {
    'a newline and a YAML document': 'x\n---\nkind: Secret\nsecurityContext: {privileged: true}',
    'quotes and a JSON fragment': '", "privileged": true, "x": "',
    'a placeholder, which stays literal': '{{ params.v }} {{ pod.name }}',
    'a YAML mapping': 'privileged: true\nrunAsUser: 0',
    'unicode look-alikes and controls': 'ｐｒｉｖｉｌｅｇｅｄ\u202e\u0000',
    '1 MB': 'x'.repeat(1024 * 1024),
  };
  for (const [what, value] of Object.entries(hostile)) {
    it(`a value with ${what} lands verbatim in its strings and nowhere else`, () => {
      const r = run(pod({ metadata: { annotations: { 'example.com/v': value } } }), policySet(open()));
      const c = r.mutated.spec?.initContainers?.[0];
      deepStrictEqual(c, {
        name: 'tpl',
        image: 'busybox:1.36',
        command: ['sh', '-c', 'echo "$V"'],
        args: [`before ${value} after`],
        env: [
          { name: 'V', value },
          { name: 'FIXED', value: 'fixed' },
        ],
      });
    });
  }

  it('a value failing its pattern never reaches any container', () => {
    const s = policySet(
      doc('strict', {
        parameters: [{ name: 'v', annotation: 'example.com/v', pattern: '[a-z]+' }],
        initContainers: [{ name: 'strict', image: 'x', args: ['{{ params.v }}'] }],
      }),
    );
    for (const value of ['abc\nprivileged: true', 'abc; rm', 'ABC', '']) {
      const r = run(pod({ metadata: { annotations: { 'example.com/v': value } } }), s);
      deepStrictEqual(r.patch, [], `value ${JSON.stringify(value)} must be refused (the pattern is anchored)`);
      ok(!JSON.stringify(r.mutated.spec).includes('privileged: true'));
    }
  });
});

describe('pod substitutions: name, generateName, namespace, serviceAccountName', () => {
  const s = policySet(
    doc('who', {
      initContainers: [
        {
          name: 'who',
          image: 'x',
          args: ['{{ pod.name }}|{{ pod.generateName }}|{{ pod.namespace }}|{{ pod.serviceAccountName }}'],
        },
      ],
    }),
  );
  const args = (r: ReturnType<typeof run>) => r.mutated.spec?.initContainers?.[0]?.args?.[0];

  it('fills every field of a named pod', () => {
    equal(args(run(pod({ spec: { serviceAccountName: 'robot' } }), s)), 'web||default|robot');
  });
  it('works for a generateName pod without a name or namespace: namespace from the request, SA "default"', () => {
    const p = pod();
    p.metadata = { generateName: 'web-7d9f-' };
    equal(args(run(p, s, { namespace: 'shop' })), '|web-7d9f-|shop|default');
  });
  it('uses the request namespace when metadata.namespace is empty', () => {
    equal(args(run(pod({ metadata: { namespace: '' } }), s, { namespace: 'shop' })), 'web||shop|default');
  });

  it('refuses a value longer than maxLength before matching the pattern, naming the limit', () => {
    const s = policySet(checker({ required: true, parameters: [{ name: 'target', annotation: ANN, maxLength: 8 }] }));
    const r = run(withTarget('db.internal'), s);
    equal(r.denial?.reason, 'param_invalid');
    match(
      r.denial.message,
      /annotation network-check\.init-injector\.io\/target is 11 characters long; parameter "target" allows at most 8$/,
    );
  });

  it('matches in linear time: a pattern that backtracks exponentially in JavaScript answers at once', () => {
    // (a|aa)+ against 'a' x 64 + '!' takes ~2^44 steps in a backtracking engine: the event loop, and
    // every admission of the cluster with it, would stall. RE2 answers in one pass.
    const s = policySet(checker({ parameters: [{ name: 'target', annotation: ANN, pattern: '(a|aa)+' }] }));
    const r = run(withTarget(`${'a'.repeat(64)}!`), s);
    equal(decision(r, 'network-check')?.reason, 'param_invalid');
    equal(env(run(withTarget('a'.repeat(64)), s)), `tcp://${'a'.repeat(64)}:443`);
  });
});
