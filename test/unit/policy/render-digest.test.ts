import { equal, match, notEqual } from 'node:assert/strict';
import type { TemplateValues } from '../../../src/engine/types.js';
import { compileTemplates, renderDigest } from '../../../src/policy/templates.js';

const source = {
  initContainers: [
    { name: 'check', image: 'example.com/check:1', args: ['{{ params.target }}', 'x{{ pod.namespace }}'] },
  ],
  volumes: [],
  mounts: [],
};
const values = (target: string, namespace = 'shop', name = ''): TemplateValues => ({
  params: new Map([
    ['target', target],
    ['unused', String(Math.random())],
  ]),
  pod: { name, generateName: 'web-', namespace, serviceAccountName: 'default' },
});

describe('the render digest', () => {
  const render = compileTemplates(source, new Set(['target', 'unused']), '{"placement":"Prepend"}');

  it('is the hash of the rendered objects and the shape, 12 hex digits', () => {
    const parts = render(values('10.0.0.1'));
    match(parts.digest(), /^[0-9a-f]{12}$/);
    equal(parts.digest(), renderDigest('{"placement":"Prepend"}', parts));
  });

  it('is the same for the same values of the placeholders used, remembered or not', () => {
    const first = render(values('10.0.0.1', 'shop', 'web-abc')).digest();
    equal(render(values('10.0.0.1', 'shop', 'web-xyz')).digest(), first, 'pod.name is not used: no difference');
    const fresh = compileTemplates(source, new Set(['target', 'unused']), '{"placement":"Prepend"}');
    equal(fresh(values('10.0.0.1')).digest(), first);
  });

  it('differs when a used parameter, a used pod field or the shape differs', () => {
    const base = render(values('10.0.0.1')).digest();
    notEqual(render(values('10.0.0.2')).digest(), base);
    notEqual(render(values('10.0.0.1', 'other')).digest(), base);
    notEqual(
      compileTemplates(source, new Set(['target']), '{"placement":"Append"}')(values('10.0.0.1')).digest(),
      base,
    );
  });

  it('stays right after the remembered digests are cleared (more distinct values than it keeps)', () => {
    const first = render(values('a-0')).digest();
    for (let i = 1; i <= 1100; i++) match(render(values(`a-${String(i)}`)).digest(), /^[0-9a-f]{12}$/);
    equal(render(values('a-0')).digest(), first);
  });
});
