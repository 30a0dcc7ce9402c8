// The independent RFC 6902 applier is itself under test: the examples of RFC 6902 Appendix A and
// RFC 6901 §5, so a property failure can be trusted to be the engine's and not the checker's.
import { deepStrictEqual, throws } from 'node:assert/strict';
import { applyPatch, parsePointer, PatchError, type PatchOp } from './support/rfc6902.js';

const cases: { name: string; doc: unknown; patch: PatchOp[]; expected?: unknown }[] = [
  {
    name: 'A.1 adds an object member',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux' }],
    expected: { baz: 'qux', foo: 'bar' },
  },
  {
    name: 'A.2 adds an array element',
    doc: { foo: ['bar', 'baz'] },
    patch: [{ op: 'add', path: '/foo/1', value: 'qux' }],
    expected: { foo: ['bar', 'qux', 'baz'] },
  },
  {
    name: 'A.3 removes an object member',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'remove', path: '/baz' }],
    expected: { foo: 'bar' },
  },
  {
    name: 'A.4 removes an array element',
    doc: { foo: ['bar', 'qux', 'baz'] },
    patch: [{ op: 'remove', path: '/foo/1' }],
    expected: { foo: ['bar', 'baz'] },
  },
  {
    name: 'A.5 replaces a value',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'replace', path: '/baz', value: 'boo' }],
    expected: { baz: 'boo', foo: 'bar' },
  },
  {
    name: 'A.6 moves a value',
    doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    patch: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    expected: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  },
  {
    name: 'A.7 moves an array element',
    doc: { foo: ['all', 'grass', 'cows', 'eat'] },
    patch: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    expected: { foo: ['all', 'cows', 'eat', 'grass'] },
  },
  {
    name: 'A.8 test succeeds',
    doc: { baz: 'qux', foo: ['a', 2, 'c'] },
    patch: [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ],
    expected: { baz: 'qux', foo: ['a', 2, 'c'] },
  },
  { name: 'A.9 test fails', doc: { baz: 'qux' }, patch: [{ op: 'test', path: '/baz', value: 'bar' }] },
  {
    name: 'A.10 adds a nested member object',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/child', value: { grandchild: {} } }],
    expected: { foo: 'bar', child: { grandchild: {} } },
  },
  {
    name: 'A.12 fails to add to a nonexistent target',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz/bat', value: 'qux' }],
  },
  {
    name: 'A.14 unescapes ~0 and ~1',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: 10 }],
    expected: { '/': 9, '~1': 10 },
  },
  {
    name: 'A.15 compares strings and numbers strictly',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: '10' }],
  },
  {
    name: 'A.16 appends with -',
    doc: { foo: ['bar'] },
    patch: [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
    expected: { foo: ['bar', ['abc', 'def']] },
  },
  { name: 'rejects an index past the end', doc: { foo: [] }, patch: [{ op: 'add', path: '/foo/1', value: 1 }] },
  { name: 'rejects leading zeros', doc: { foo: [1, 2] }, patch: [{ op: 'remove', path: '/foo/01' }] },
  { name: 'rejects replace of a missing member', doc: {}, patch: [{ op: 'replace', path: '/a', value: 1 }] },
  {
    name: 'keeps __proto__ an ordinary key',
    doc: {},
    patch: [{ op: 'add', path: '/__proto__', value: { polluted: true } }],
    expected: JSON.parse('{"__proto__":{"polluted":true}}'),
  },
];

describe('reliability: the independent RFC 6902 applier', () => {
  for (const c of cases) {
    it(c.name, () => {
      if (c.expected === undefined) throws(() => applyPatch(c.doc, c.patch), PatchError);
      else deepStrictEqual(applyPatch(c.doc, c.patch), c.expected);
    });
  }
  it('parses the RFC 6901 §5 pointers', () => {
    deepStrictEqual(parsePointer('/a~1b'), ['a/b']);
    deepStrictEqual(parsePointer('/m~0n'), ['m~n']);
    deepStrictEqual(parsePointer('/'), ['']);
    deepStrictEqual(parsePointer('/~01'), ['~1']);
    throws(() => parsePointer('/a~2'), PatchError);
  });
  it('leaves Object.prototype alone', () => {
    applyPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]);
    deepStrictEqual(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
