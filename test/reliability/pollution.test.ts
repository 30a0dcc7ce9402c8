// Prototype pollution (docs/reliability.md §2): a server in a child process cannot show from
// outside whether Object.prototype changed, so the same hostile bodies go through the production
// listener (createListener) in this process, and the prototypes of the built-ins are compared
// before and after.
import { deepStrictEqual } from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createListener } from '../../src/server/app.js';
import { loadPolicies } from '../../src/policy/load.js';
import { formatDiagnostic } from '../../src/policy/diagnostics.js';
import {
  HOSTILE_POLICIES,
  PROTO_ENVELOPE,
  PROTO_PODS,
  PROTO_WRONG_TYPE,
  reviewText,
} from './support/hostile-inputs.js';

const BUILTINS = { Object, Array, Function, String, Number, Boolean, RegExp, Map, Set, Promise, Error };

/** Own property names and descriptors' values of every built-in prototype, as comparable text. */
function snapshot(): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(BUILTINS).map(([name, ctor]) => [
      name,
      Reflect.ownKeys(ctor.prototype as object).map((k) => {
        const d = Reflect.getOwnPropertyDescriptor(ctor.prototype as object, k);
        return `${String(k)}:${d?.get !== undefined ? 'getter' : typeof d?.value}`;
      }),
    ]),
  );
}

describe('reliability: no prototype pollution through /mutate (in-process createListener)', () => {
  let listener: RequestListener;
  let dir: string;
  const pristine = snapshot();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'init-injector-pollution-'));
    for (const [f, text] of Object.entries(HOSTILE_POLICIES)) writeFileSync(join(dir, f), text);
    const set = await loadPolicies([dir]);
    if (!set.ok) throw new Error(set.error.map(formatDiagnostic).join('\n'));
    listener = createListener({ policies: () => set.value, namespaces: (name) => ({ name, labels: { env: 'prod' } }) });
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const bodies: [string, string][] = [
    ...Object.entries({ ...PROTO_PODS, ...PROTO_WRONG_TYPE }).map(([k, raw]): [string, string] => [
      k,
      reviewText(null, raw),
    ]),
    ['an envelope with prototype keys', PROTO_ENVELOPE],
  ];
  for (const [what, body] of bodies) {
    it(`leaves every built-in prototype unchanged after ${what}`, async () => {
      const res = await request(listener).post('/mutate').set('content-type', 'application/json').send(body);
      deepStrictEqual([200, 400].includes(res.status), true, `status ${res.status}: ${res.text.slice(0, 300)}`);
      deepStrictEqual(({} as Record<string, unknown>)['polluted'], undefined);
      deepStrictEqual((Object.prototype as Record<string, unknown>)['polluted'], undefined);
      deepStrictEqual(snapshot(), pristine);
    });
  }
});
