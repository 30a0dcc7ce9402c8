import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { parseDocuments } from '../../../src/policy/parse.js';

function docs(text: string) {
  const result = parseDocuments(text, 'p.yaml');
  if (!result.ok) throw new Error(`unexpected syntax error: ${JSON.stringify(result.error)}`);
  return result.value;
}

const POLICY = `# a comment
apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata:
  name: network-check
spec:
  parameters:
    - name: target
      pattern: '^x$'
    - name: port
      patern: '^[0-9]+$'
  initContainers:
    - name: check
      image: busybox
      env: [{name: A, value: x}, {name: B,
        value: y}]
`;

describe('policy/parse', () => {
  it('refuses a leading-zero number that YAML 1.1 (kubectl) would read as octal, naming the field and both fixes', () => {
    const r = parseDocuments(
      'spec:\n  volumes:\n    - secret: {defaultMode: 0440}\n  ok: [0o440, 288, 0, "0440", 089]\n',
      'p.yaml',
    );
    ok(!r.ok);
    deepStrictEqual(r.error, [
      {
        file: 'p.yaml',
        line: 3,
        path: 'spec.volumes[0].secret.defaultMode',
        message:
          '0440 is 440 in YAML 1.2 but octal (288) in YAML 1.1, which kubectl reads: write 0o440 or 288 (or quote it if it is text)',
      },
    ]);
  });

  it('gives the line of a syntax error from the YAML parser, with no documents', () => {
    const result = parseDocuments('a: 1\nb: [1, 2\nc: 3\n', 'broken.yaml');
    ok(!result.ok);
    strictEqual(result.error.length, 1);
    strictEqual(result.error[0]!.file, 'broken.yaml');
    strictEqual(result.error[0]!.line, 3);
    ok(result.error[0]!.message.startsWith('YAML syntax error: '), result.error[0]!.message);
  });

  it('reports a duplicated key as a syntax error at the second key', () => {
    const result = parseDocuments('a: 1\nb: 2\na: 3\n', 'dup.yaml');
    ok(!result.ok);
    strictEqual(result.error[0]!.line, 3);
    ok(result.error[0]!.message.includes('duplicated mapping key'));
  });

  it('gives every field path the line of its key, nested in lists and flow collections', () => {
    const [doc] = docs(POLICY);
    ok(doc);
    strictEqual(doc.line, 2);
    strictEqual(doc.lineOf(['metadata', 'name']), 5);
    strictEqual(doc.lineOf(['spec', 'parameters', 1]), 10);
    strictEqual(doc.lineOf(['spec', 'parameters', 1, 'patern']), 11);
    strictEqual(doc.lineOf(['spec', 'initContainers', 0, 'env', 1, 'value']), 16);
  });

  it('gives a missing field the line of its nearest written parent', () => {
    const [doc] = docs(POLICY);
    strictEqual(doc!.lineOf(['spec', 'initContainers', 0, 'resources', 'limits']), 13);
    strictEqual(doc!.lineOf(['spec', 'volumes']), 6);
    strictEqual(doc!.lineOf(['nothing', 'here']), 2);
  });

  it('keeps dates, yes/no and octal-looking values as YAML 1.2 core scalars (2024-01-01 stays a string)', () => {
    const [doc] = docs('a: 2024-01-01\nb: yes\nc: "5"\nd: 5\ne: 0o17\nf: ~\n');
    deepStrictEqual(doc!.value, { a: '2024-01-01', b: 'yes', c: '5', d: 5, e: 15, f: null });
  });

  it('returns several documents per file with their own lines and skips empty ones', () => {
    const text = 'a: 1\n---\n# only a comment\n---\n---\nb:\n  c: 2\n';
    const parsed = docs(text);
    deepStrictEqual(
      parsed.map((d) => ({ index: d.index, line: d.line, value: d.value })),
      [
        { index: 0, line: 1, value: { a: 1 } },
        { index: 3, line: 6, value: { b: { c: 2 } } },
      ],
    );
    strictEqual(parsed[1]!.lineOf(['b', 'c']), 7);
  });

  it('returns no documents for an empty file or a file of comments', () => {
    deepStrictEqual(docs(''), []);
    deepStrictEqual(docs('# nothing\n'), []);
  });

  it('resolves anchors, aliases and merge keys, giving merged fields the line of the mapping that merges them', () => {
    const [doc] = docs('base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n');
    deepStrictEqual(doc!.value, { base: { x: 1 }, use: { x: 1, y: 2 } });
    strictEqual(doc!.lineOf(['use', 'y']), 4);
    strictEqual(doc!.lineOf(['use', 'x']), 2);
  });

  it('maps quoted keys by their value', () => {
    const [doc] = docs('"a.b": 1\n\'c\': 2\n');
    strictEqual(doc!.lineOf(['c']), 2);
    strictEqual(doc!.lineOf(['a.b']), 1);
  });
});

/** Every path to a value below `value`, with the value. */
function paths(value: unknown, at: (string | number)[] = []): { path: (string | number)[]; value: unknown }[] {
  const here = [{ path: at, value }];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, i) => paths(item, [...at, i]))];
  if (typeof value === 'object' && value !== null)
    return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return here;
}

describe('policy/parse on generated documents', () => {
  const key = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/);
  const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(key, tie('node'), { maxKeys: 4, noNullPrototype: true }),
    ),
  })).node;
  const root = fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5, noNullPrototype: true });

  it('reads back what js-yaml dumped, and puts every field path on the line that writes its key', () => {
    fc.assert(
      fc.property(root, fc.integer({ min: 1, max: 3 }), (value, count) => {
        const text = Array.from({ length: count }, () => dump(value)).join('---\n');
        const lines = text.split('\n');
        const parsed = docs(text);
        strictEqual(parsed.length, count);
        for (const doc of parsed) {
          deepStrictEqual(doc.value, value);
          for (const { path } of paths(value)) {
            const line = doc.lineOf(path);
            ok(line >= 1 && line <= lines.length, `line ${line} of ${path.join('.')}`);
            const last = path.at(-1);
            if (typeof last === 'string')
              ok(lines[line - 1]?.includes(last), `${path.join('.')} -> line ${line}: ${lines[line - 1]}`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
