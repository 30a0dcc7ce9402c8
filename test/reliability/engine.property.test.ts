// Property-based tests of the engine (docs/reliability.md §1): generated valid policy sets against
// generated pods of every shape. On failure fast-check prints the seed and the shrunk
// counterexample, and we also write the counterexample as a ready-made regression fixture (see
// docs/reliability.md).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { namespaceLabels, scenario } from './support/arbitraries.js';
import { checkCase, type Case } from './support/properties.js';

const RUNS = Number(process.env['RELIABILITY_RUNS'] ?? 300);
const SEED = process.env['RELIABILITY_SEED'];
const PATH = process.env['RELIABILITY_PATH'];
const REGRESSIONS = new URL('./regressions/', import.meta.url);

describe('reliability: engine properties over generated pods and policy sets', function () {
  this.timeout(180_000);

  it(`holds every property for ${RUNS} generated cases`, () => {
    const details = fc.check(
      fc.property(scenario, namespaceLabels, ({ policies, pod }, labels) => {
        checkCase({ policies, pod, namespaceLabels: labels });
      }),
      {
        numRuns: RUNS,
        ...(SEED !== undefined ? { seed: Number(SEED) } : {}),
        ...(PATH !== undefined ? { path: PATH } : {}),
      },
    );
    if (!details.failed) return;
    const [{ policies, pod }, labels] = details.counterexample ?? [{ policies: [], pod: {} }, undefined];
    const fixture: Case = {
      description: `seed ${details.seed} path ${details.counterexamplePath ?? ''}`,
      policies,
      pod,
      namespaceLabels: labels,
    };
    const file = join(tmpdir(), `init-injector-regression-${details.seed}.json`);
    writeFileSync(file, JSON.stringify(fixture, null, 2) + '\n');
    throw new Error(
      `${fc.defaultReportMessage(details) ?? 'property failed'}\n\nCounterexample saved as a regression fixture: ${file}\n` +
        `Move it to test/reliability/regressions/<what-it-shows>.json so every run replays it.`,
    );
  });

  const fixtures = readdirSync(REGRESSIONS).filter((f) => f.endsWith('.json'));
  it('has regression fixtures to replay', () => {
    if (fixtures.length === 0) throw new Error('test/reliability/regressions/ holds no *.json fixture');
  });
  for (const f of fixtures) {
    it(`replays regression ${f}`, () => {
      checkCase(JSON.parse(readFileSync(new URL(f, REGRESSIONS), 'utf8')) as Case);
    });
  }
});
