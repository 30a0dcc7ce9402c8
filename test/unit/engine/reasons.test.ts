import { deepStrictEqual } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Reason, REASON_TEXT } from '../../../src/engine/reasons.js';

describe('reasons: the closed set of codes is documented, both ways', () => {
  const rows = readFileSync(new URL('../../../docs/reasons.md', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => /^\| `([a-z_]+)` \|/.exec(line)?.[1])
    .filter((code): code is string => code !== undefined);

  it('has a row in docs/reasons.md for every code, and a code for every row', () => {
    deepStrictEqual([...rows].sort(), [...Object.values(Reason)].sort());
  });

  it('has a sentence for every code', () => {
    deepStrictEqual(Object.keys(REASON_TEXT).sort(), [...Object.values(Reason)].sort());
  });
});
