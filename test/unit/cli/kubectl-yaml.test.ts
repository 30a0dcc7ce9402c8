import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { parseManifest } from '../../../src/cli/manifests.js';
import { editedText } from '../../../src/cli/yaml-edit.js';
import { readYaml } from '../../../src/cli/yaml-read.js';

/** The one document of `text`, as kubectl would read it. */
function value(text: string): unknown {
  const r = readYaml(text, 'm.yaml');
  if ('error' in r) throw new Error(r.error);
  return r.docs[0]?.value;
}

describe('manifests are read as kubectl reads them (YAML 1.1, go-yaml v2)', () => {
  it('reads 0400 as octal, as kubectl does: a Secret defaultMode keeps its permissions', () => {
    deepStrictEqual(value('defaultMode: 0400\nother: 0644\nhex: 0x1F\nbin: 0b101\nu: 1_000\no: 0o17\n'), {
      defaultMode: 256,
      other: 420,
      hex: 31,
      bin: 5,
      u: 1000,
      o: 15,
    });
  });

  it('reads the YAML 1.1 booleans kubectl has, and leaves dates and base-60 numbers as strings', () => {
    deepStrictEqual(value('a: yes\nb: on\nc: Off\nd: y\nq: "on"\nsince: 2024-01-01\nt: 1:30\n'), {
      a: true,
      b: true,
      c: false,
      d: true,
      q: 'on',
      since: '2024-01-01',
      t: '1:30',
    });
  });

  it("accepts a double-quoted \\' escape and a flow sequence closed at its key indentation", () => {
    deepStrictEqual(value('note: "it\\\'s \\"ok\\""\nargs: [\n  a, b\n]\n'), { note: 'it\'s "ok"', args: ['a', 'b'] });
  });

  it('keeps the last of duplicate keys, with a warning naming the file and line', () => {
    const r = readYaml('a: 1\nb: 2\na: 3\n', 'm.yaml');
    ok(!('error' in r));
    deepStrictEqual(r.docs[0]?.value, { a: 3, b: 2 });
    deepStrictEqual(r.warnings, [
      'warning: m.yaml:3: document 1: key "a" is given twice in one mapping; the last value wins, as kubectl reads it',
    ]);
  });

  it('gives every malformed document a clear error with its file, document and line', () => {
    const list = 'apiVersion: v1\nkind: List\nitems:\n  - kind: ConfigMap\n  - null\n';
    deepStrictEqual(parseManifest(`kind: X\n---\n${list}`, 'm.yaml'), {
      error:
        'm.yaml:7: document 2: items[1] is not a Kubernetes object (a mapping with apiVersion and kind); it is null',
    });
    deepStrictEqual(parseManifest('kind: X\n---\n- a\n', 'm.yaml'), {
      error: 'm.yaml:3: document 2 is not a Kubernetes object (a mapping with apiVersion and kind); it is a list',
    });
    const broken = parseManifest('kind: X\n---\nargs: [a,\n', 'm.yaml');
    match('error' in broken ? broken.error : '', /^m\.yaml:\d+: YAML syntax error in document 2: /);
  });

  it('writes an unchanged document back byte for byte, and an edited one with its comments and octal numbers', () => {
    const text = '# the pod\nkind: Pod   # kind\nspec:\n  volumes:\n    - name: s\n      secret: {defaultMode: 0400}\n';
    const r = readYaml(text, 'm.yaml');
    ok(!('error' in r));
    const doc = r.docs[0];
    ok(doc);
    equal(editedText(doc, [], doc.value), text);
    const edited = editedText(doc, [{ op: 'add', path: '/metadata', value: { namespace: 'shop' } }], {
      ...(doc.value as object),
      metadata: { namespace: 'shop' },
    });
    match(edited, /^# the pod\n/);
    match(edited, /# kind/);
    match(edited, /defaultMode: 0400/);
    deepStrictEqual(value(edited), { ...(doc.value as object), metadata: { namespace: 'shop' } });
  });

  it('writes strings kubectl would read as something else in quotes', () => {
    const r = readYaml('kind: Pod\n', 'm.yaml');
    ok(!('error' in r) && r.docs[0]);
    const next = { kind: 'Pod', data: { a: 'on', b: '0644', c: 'y' } };
    const out = editedText(r.docs[0], [{ op: 'add', path: '/data', value: next.data }], next);
    deepStrictEqual(value(out), next);
  });
});
