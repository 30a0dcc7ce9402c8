// The decision table (docs/semantics.md, "Decision table"): the table in the docs is the table in
// the code, and every row does what it says, for a required policy, onConflict Fail and Skip, an
// Audit policy, and a pod that requests the policy.
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REFUSALS, type Reason } from '../../../src/engine/reasons.js';
import type { MutationResult } from '../../../src/engine/types.js';
import type { Pod } from '../../../src/kube/wire.js';
import { decision, doc, policySet, run } from './helpers.js';
import { SCENARIOS } from './refusal-scenarios.js';

const NOT_REFUSALS = new Set<string>(['already_injected', 'audit']);

/** The rows of the docs table: reason -> [required, Fail, Skip, warns]. */
function docsTable(): Map<string, string[]> {
  const text = readFileSync(new URL('../../../docs/semantics.md', import.meta.url), 'utf8');
  const section = text.slice(text.indexOf('## Decision table'));
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\| `([a-z_]+)` \| (.+) \|$/.exec(line);
    if (m) rows.set(m[1] ?? '', (m[2] ?? '').split(' | '));
    if (rows.size > 0 && !line.startsWith('|')) break;
  }
  return rows;
}

function withAnnotation(p: Pod, key: string, value: string): Pod {
  return { ...p, metadata: { ...p.metadata, annotations: { ...p.metadata?.annotations, [key]: value } } };
}

function outcome(r: MutationResult): { outcome: string | undefined; reason: Reason | undefined; warned: boolean } {
  const d = decision(r, 'p');
  return { outcome: d?.outcome, reason: d?.reason, warned: r.warnings.some((w) => w.includes('policy p ')) };
}

describe('the decision table: reason x required x onConflict x action -> skip, warn or deny', () => {
  const table = docsTable();

  it('is the same table in docs/semantics.md and in REFUSALS, row for row', () => {
    const reasons = Object.keys(REFUSALS).filter((r) => !NOT_REFUSALS.has(r));
    deepStrictEqual([...table.keys()].sort(), reasons.sort());
    for (const [reason, [required, fail, skip, warns]] of table) {
      const rule = REFUSALS[reason as Reason];
      equal(required, rule.requiredDenies ? 'deny' : 'skip', `${reason}: required column`);
      equal(fail, rule.failDenies ? 'deny' : 'skip', `${reason}: onConflict Fail column`);
      equal(skip, 'skip', `${reason}: onConflict Skip column`);
      equal(warns, rule.warns ? 'yes' : 'if requested', `${reason}: warns column`);
    }
  });

  it('has a scenario for every row', () => {
    deepStrictEqual(Object.keys(SCENARIOS).sort(), [...table.keys()].sort());
  });

  for (const [reason, scenario] of Object.entries(SCENARIOS)) {
    describe(reason, () => {
      const rule = REFUSALS[reason as Reason];
      const runWith = (extra: Record<string, unknown>, p: Pod = scenario.pod) =>
        outcome(run(p, policySet(doc('p', { ...scenario.spec, ...extra })), scenario.opts));

      it(`Skip: skipped${rule.warns ? ', with a warning' : ', silently'}`, () => {
        deepStrictEqual(runWith({}), { outcome: 'skip', reason, warned: rule.warns });
      });

      it(`onConflict Fail: ${rule.failDenies ? 'denies' : 'skipped'}`, () => {
        const got = runWith({ onConflict: 'Fail' });
        deepStrictEqual(got, {
          outcome: rule.failDenies ? 'deny' : 'skip',
          reason,
          warned: !rule.failDenies && rule.warns,
        });
      });

      if (reason !== 'opted_out')
        it(`required: ${rule.requiredDenies ? 'denies' : 'skipped'}`, () => {
          const got = runWith({ required: true });
          deepStrictEqual(got, {
            outcome: rule.requiredDenies ? 'deny' : 'skip',
            reason,
            warned: !rule.requiredDenies && rule.warns,
          });
        });

      it(`Audit: never denies${rule.warns ? ', says what would happen' : ', silently'}`, () => {
        const r = run(
          scenario.pod,
          policySet(doc('p', { ...scenario.spec, action: 'Audit', required: reason !== 'opted_out' })),
          scenario.opts,
        );
        equal(r.denial, undefined);
        deepStrictEqual(r.patch, []);
        equal(decision(r, 'p')?.outcome, 'skip');
        const audit = r.warnings.find((w) => w.startsWith('audit: policy p '));
        if (!rule.warns) equal(audit, undefined);
        else
          ok(
            audit?.startsWith(`audit: policy p would ${rule.requiredDenies ? 'deny the pod' : 'be skipped'}: `),
            audit,
          );
      });

      if (reason !== 'not_requested')
        it('requested by the pod: skipped with a warning', () => {
          const requested = withAnnotation(scenario.pod, 'init-injector.io/request', 'p');
          deepStrictEqual(runWith({ mode: 'OnRequest' }, requested), { outcome: 'skip', reason, warned: true });
        });
    });
  }
});
