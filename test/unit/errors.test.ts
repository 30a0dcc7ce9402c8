import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AdmissionHttpError, ConfigError, ERROR_CODES, PolicyLoadError } from '../../src/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = [...doc.matchAll(/^### (INJ_[A-Z_]+)\s*$/gm)].map((m) => m[1]);

describe('error codes and docs/errors.md', () => {
  it('documents every code in src/errors.ts with a section, and nothing else', () => {
    deepStrictEqual([...documented].sort(), Object.keys(ERROR_CODES).sort());
  });

  it('lists every code in the summary table with its exit code or HTTP status', () => {
    for (const [code, ends] of Object.entries(ERROR_CODES)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| ${code} |`));
      ok(row !== undefined, `no table row for ${code}`);
      ok(row.includes('http' in ends ? `HTTP ${ends.http}` : `exit ${ends.exit}`), `${code}: row says ${row}`);
    }
  });

  it('gives each error its class name and stable code', () => {
    const e = new ConfigError('--port: "x" is not a port');
    strictEqual(e.name, 'ConfigError');
    strictEqual(e.code, 'INJ_CONFIG_INVALID');
    const p = new PolicyLoadError([{ file: 'p.yaml', line: 3, path: 'spec.mode', message: 'bad' }]);
    ok(p.message.includes('p.yaml:3: spec.mode: bad'), p.message);
    const h = new AdmissionHttpError('INJ_BODY_TOO_LARGE', 'too big', 'u1');
    strictEqual(h.status, 413);
    strictEqual(h.uid, 'u1');
  });
});
