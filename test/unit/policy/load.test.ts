import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic } from '../../../src/policy/diagnostics.js';
import { loadPolicies, type PolicyInput } from '../../../src/policy/load.js';

/** A valid policy document named `name`, with `extra` lines appended under spec. */
function policy(name: string, extra = ''): string {
  return `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata:
  name: ${name}
spec:
  initContainers:
    - name: ${name}
      image: busybox:1.36
${extra}`;
}

describe('policy/load', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'policy-load-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  /** Loads and returns the formatted diagnostics with the temp dir shortened to "DIR". */
  async function problems(paths: readonly PolicyInput[]): Promise<string[]> {
    const result = await loadPolicies(paths);
    ok(!result.ok, 'expected the load to fail');
    return result.error.map((d) => formatDiagnostic(d).replaceAll(dir, 'DIR'));
  }

  it('loads every *.yaml and *.yml file of a directory, several documents per file, and ignores tests/ and other files', async () => {
    file('a.yaml', `${policy('alpha')}---\n${policy('beta')}`);
    file('b.yml', policy('gamma'));
    file('notes.txt', 'not yaml: [');
    mkdirSync(join(dir, 'tests'));
    writeFileSync(join(dir, 'tests', 'broken.yaml'), 'kind: PolicyTest\n');
    const result = await loadPolicies([dir]);
    ok(result.ok, JSON.stringify(!result.ok && result.error));
    deepStrictEqual(
      result.value.policies.map((p) => p.name),
      ['alpha', 'beta', 'gamma'],
    );
    deepStrictEqual(result.value.byName.get('beta')?.source, { file: join(dir, 'a.yaml'), line: 13 });
  });

  it('reports a misspelt nested field at its own line, with a suggestion', async () => {
    const extra = `  parameters:
    - name: target
      pattern: '^x$'
    - name: port
      patern: '^[0-9]+$'
`;
    deepStrictEqual(await problems([file('p.yaml', policy('p', extra))]), [
      'DIR/p.yaml:13: spec.parameters[1].patern: unknown field "patern" (did you mean "pattern"?); allowed here: name, annotation, type, default, minimum, maximum, pattern, maxLength, description',
    ]);
  });

  it('reports a missing required field at the line of its parent object', async () => {
    const text =
      'apiVersion: init-injector.io/v1alpha1\nkind: InjectionPolicy\nmetadata:\n  labels: {a: b}\nspec:\n  description: nothing to inject\n';
    deepStrictEqual(await problems([file('m.yaml', text)]), [
      'DIR/m.yaml:3: metadata.name: missing required field: expected a string',
      'DIR/m.yaml:5: spec.initContainers: missing required field: expected a list',
    ]);
  });

  it('reports the errors of two documents of one file and of a second file, all at once, in file and line order', async () => {
    const first = file('1.yaml', `${policy('one', '  mode: Sometimes\n')}---\n${policy('Two')}`);
    const second = file('2.yaml', policy('three', '  priority: high\n  placement: prepend\n'));
    deepStrictEqual(await problems([first, second]), [
      'DIR/1.yaml:9: spec.mode: string "Sometimes" is not allowed: expected "Always" or "OnRequest"',
      `DIR/1.yaml:14: metadata.name: "Two" must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)`,
      `DIR/1.yaml:17: spec.initContainers[0].name: "Two" is not a valid container name: expected a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
      'DIR/2.yaml:9: spec.priority: expected a number, got string "high"',
      'DIR/2.yaml:10: spec.placement: string "prepend" is not allowed: expected "Prepend" or "Append" (did you mean "Prepend"?)',
    ]);
  });

  it('reports a syntax error with its line and still reports the problems of the other files', async () => {
    const broken = file('a.yaml', 'apiVersion: x\nkind: [\n');
    const bad = file('b.yaml', policy('b', '  onConflict: Ignore\n'));
    const found = await problems([broken, bad]);
    strictEqual(found.length, 2);
    ok(found[0]?.startsWith('DIR/a.yaml:3: YAML syntax error: '), found[0]);
    strictEqual(found[1], 'DIR/b.yaml:9: spec.onConflict: string "Ignore" is not allowed: expected "Skip" or "Fail"');
  });

  it('rejects a document of another kind, naming the kind expected', async () => {
    deepStrictEqual(await problems([file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n')]), [
      'DIR/cm.yaml:2: kind: expected an InjectionPolicy (apiVersion: init-injector.io/v1alpha1, kind: InjectionPolicy), got kind ConfigMap (v1); policy files hold only InjectionPolicy documents',
    ]);
  });

  it('rejects the wrong apiVersion of an InjectionPolicy', async () => {
    const text = policy('v').replace('init-injector.io/v1alpha1', 'init-injector.io/v1');
    deepStrictEqual(await problems([file('v.yaml', text)]), [
      'DIR/v.yaml:1: apiVersion: string "init-injector.io/v1" is not allowed: expected "init-injector.io/v1alpha1"',
    ]);
  });

  it('reports an empty directory, an empty file and a missing path', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const found = await problems([empty, file('blank.yaml', '# nothing yet\n'), join(dir, 'missing')]);
    deepStrictEqual(found, [
      'DIR/empty: no policies found in DIR/empty (expected *.yaml or *.yml files directly in the directory; subdirectories are not read)',
      'DIR/blank.yaml: no policies found in DIR/blank.yaml',
      'DIR/missing: cannot read: no such file or directory',
    ]);
  });

  it('reports a bad container, a bad placeholder and a bad regex of one policy together', async () => {
    const extra = `  parameters:
    - name: target
      pattern: '(unclosed'
`;
    const text = policy('c', extra).replace(
      '      image: busybox:1.36\n',
      '      args: ["{{ params.tagret }}"]\n      resources: {limits: {cpu: 10x}}\n',
    );
    const found = await problems([file('c.yaml', text)]);
    deepStrictEqual(
      found.map((line) => line.split(': ').slice(0, 2).join(': ')),
      [
        'DIR/c.yaml:7: spec.initContainers[0].image',
        'DIR/c.yaml:8: spec.initContainers[0].args[0]',
        'DIR/c.yaml:9: spec.initContainers[0].resources.limits.cpu',
        'DIR/c.yaml:12: spec.parameters[0].pattern',
      ],
    );
  });

  it('reports unknown placeholders with the field path, and duplicate names in the policy, each once', async () => {
    const text = `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata:
  name: p
spec:
  parameters: [{name: x, default: a}]
  initContainers:
    - name: c
      image: i
      args: ['{{ params.y }}', '{{ pod.uid }}', '{{ parms.x }}', '{{ .Values.literal }}']
    - name: c
      image: i
`;
    const out = (await problems([file('p.yaml', text)])).join('\n');
    ok(
      /spec\.initContainers\[0\]\.args\[0\]: placeholder \{\{ params\.y \}\} names parameter "y", which spec\.parameters does not declare .*\(declared: x\)/.test(
        out,
      ),
      out,
    );
    ok(/args\[1\]: unknown placeholder \{\{ pod\.uid \}\}/.test(out), out);
    ok(/args\[2\]: unknown placeholder \{\{ parms\.x \}\}/.test(out), out);
    ok(/spec\.initContainers\[1\]\.name: duplicate container name "c"/.test(out), out);
    strictEqual(out.split('\n').length, 4, out);
  });

  it('reports a duplicate mountPath and an undeclared parameter once, not again from the compiler', async () => {
    const extra = `  volumes: [{name: v, emptyDir: {}}]
  volumeMounts:
    mounts:
      - {name: v, mountPath: /data}
      - {name: v, mountPath: /data}
`;
    const text = policy('d', extra).replace('image: busybox:1.36', 'image: "busybox:{{ params.tag }}"');
    deepStrictEqual(
      (await problems([file('d.yaml', text)])).map((line) => line.split(': ').slice(0, 2).join(': ')),
      ['DIR/d.yaml:8: spec.initContainers[0].image', 'DIR/d.yaml:13: spec.volumeMounts.mounts[1].mountPath'],
    );
  });

  it('hands valid documents to the compiler, which reports regular expressions and CEL with their lines', async () => {
    const extra = `  match:
    conditions:
      - name: broken
        expression: "object.spec.("
  parameters:
    - name: target
      pattern: '(unclosed'
`;
    const found = await problems([file('r.yaml', policy('r', extra))]);
    deepStrictEqual(
      found.map((line) => line.split(': ').slice(0, 2).join(': ')),
      ['DIR/r.yaml:12: spec.match.conditions[0].expression', 'DIR/r.yaml:15: spec.parameters[0].pattern'],
    );
  });

  it('reports the same policy name in two files, naming both places', async () => {
    file('a.yaml', policy('same'));
    file('b.yaml', policy('same').replace('name: same\nspec', 'name: same\n  labels: {x: y}\nspec'));
    const found = await problems([dir]);
    strictEqual(found.length, 1);
    ok(found[0]?.includes('duplicate policy name "same"'), found[0]);
    ok(found[0]?.includes('DIR/a.yaml:4') && found[0].includes('DIR/b.yaml:4'), found[0]);
  });

  describe('files held in memory (a ConfigMap, objects read from a cluster)', () => {
    it('loads them with files from disk into one set, in the order listed', async () => {
      const result = await loadPolicies([
        file('a.yaml', policy('from-disk')),
        {
          source: 'configmap/ns/cm',
          files: [{ file: 'configmap/ns/cm/b.yaml', text: policy('from-key'), lines: true }],
          emptyHint: '',
        },
      ]);
      ok(result.ok);
      deepStrictEqual(
        result.value.policies.map((p) => p.name),
        ['from-disk', 'from-key'],
      );
    });

    it('names problems by the given names: with lines for a key, without for an object', async () => {
      const bad = policy('x', '  placement: Sideways\n');
      deepStrictEqual(
        await problems([
          {
            source: 'configmap/ns/cm',
            files: [{ file: 'configmap/ns/cm/x.yaml', text: bad, lines: true }],
            emptyHint: '',
          },
          {
            source: 'objects',
            files: [{ file: 'injectionpolicy/y', text: bad.replace('name: x', 'name: y'), lines: false }],
            emptyHint: '',
          },
        ]).then((found) => found.map((l) => l.replace(/: spec.placement.*/, ''))),
        ['configmap/ns/cm/x.yaml:9', 'injectionpolicy/y'],
      );
    });

    it('says what a source without policies should hold', async () => {
      deepStrictEqual(
        await problems([{ source: 'configmap/ns/empty', files: [], emptyHint: ' (expected *.yaml or *.yml keys)' }]),
        ['configmap/ns/empty: no policies found in configmap/ns/empty (expected *.yaml or *.yml keys)'],
      );
    });
  });
});
