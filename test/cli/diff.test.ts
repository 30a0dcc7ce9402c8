/** src/cli/diff.ts: the unified diff `init-injector test` prints for a failing output comparison. */
import { strictEqual } from 'node:assert/strict';
import { unifiedDiff } from '../../src/cli/diff.js';

const lines = (n: number, change?: [number, string]): string =>
  Array.from({ length: n }, (_, i) => (change?.[0] === i + 1 ? change[1] : `line ${i + 1}`)).join('\n') + '\n';

describe('cli/diff: unified diff', () => {
  it('is empty for equal texts', () => {
    strictEqual(unifiedDiff('a\nb\n', 'a\nb\n', 'x', 'y'), '');
  });

  it('shows a changed line as -old then +new with 3 lines of context and diff -u line numbers', () => {
    strictEqual(
      unifiedDiff(lines(10), lines(10, [6, 'changed']), 'expected', 'actual'),
      [
        '--- expected',
        '+++ actual',
        '@@ -3,7 +3,7 @@',
        ' line 3',
        ' line 4',
        ' line 5',
        '-line 6',
        '+changed',
        ' line 7',
        ' line 8',
        ' line 9',
        '',
      ].join('\n'),
    );
  });

  it('splits distant changes into separate hunks', () => {
    const diff = unifiedDiff(lines(30), lines(30, [2, 'x']).replace('line 25\n', 'y\n'), 'a', 'b');
    strictEqual(diff.split('\n').filter((l) => l.startsWith('@@')).length, 2);
  });

  it('reports added lines at the end with the right counts', () => {
    strictEqual(
      unifiedDiff('a\n', 'a\nb\n', 'a', 'b'),
      ['--- a', '+++ b', '@@ -1,1 +1,2 @@', ' a', '+b', ''].join('\n'),
    );
  });

  it('reports removed lines', () => {
    strictEqual(
      unifiedDiff('a\nb\nc\n', 'a\nc\n', 'a', 'b'),
      ['--- a', '+++ b', '@@ -1,3 +1,2 @@', ' a', '-b', ' c', ''].join('\n'),
    );
  });
});
