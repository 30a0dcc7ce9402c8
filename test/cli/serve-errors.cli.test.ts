/**
 * Every start-up error code of docs/errors.md from a real trigger, through the built `serve`: the
 * exit status the table gives, an `init-injector serve: CODE: …` line (then the problems, for
 * policies) naming what to fix, and no stack trace. (The HTTP codes are answered by /mutate; test/http/mutate.test.ts triggers those.)
 */
import { match, ok, strictEqual } from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../support/temp.js';
import { buildOnce, cli, ROOT } from './run-cli.js';

const ERRORS = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');

/** The exit status docs/errors.md gives a code. */
function documentedExit(code: string): number {
  const row = ERRORS.split('\n').find((l) => l.startsWith(`| ${code} |`));
  const exit = /exit (\d+)/.exec(row ?? '')?.[1];
  ok(exit !== undefined, `docs/errors.md gives ${code} an exit status`);
  return Number(exit);
}

describe('cli: serve fails with the documented code, exit status and one line, never a stack trace', function () {
  this.timeout(60_000);
  const dir = tempDir('serve-errors-');
  const policies = join(ROOT, 'policies');
  let busy: Server;
  let busyPort = 0;
  before(async function () {
    this.timeout(180_000);
    buildOnce();
    writeFileSync(join(dir, 'afile'), '');
    writeFileSync(join(dir, 'labels.yaml'), 'payments: {tier: 5}\n');
    writeFileSync(
      join(dir, 'bad-policy.yaml'),
      'apiVersion: init-injector.io/v1alpha1\nkind: InjectionPolicy\nmetadata: {name: Bad_Name}\nspec:\n  initContainers: [{name: c, image: "x:1"}]\n',
    );
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    busyPort = (busy.address() as { port: number }).port;
  });
  after(() => busy.close());

  const tls = (): string[] => ['--dev-tls-dir', join(dir, 'tls')];
  const cases: [string, () => string[], RegExp][] = [
    ['INJ_CONFIG_INVALID', () => ['--port', 'x'], /--port: "x" is not a port/],
    [
      'INJ_POLICY_INVALID',
      () => ['--policies', join(dir, 'bad-policy.yaml'), ...tls()],
      /bad-policy\.yaml:3: metadata\.name/,
    ],
    [
      'INJ_TLS_INVALID',
      () => ['--policies', policies, '--tls-cert', join(dir, 'no.crt'), '--tls-key', join(dir, 'no.key')],
      /no\.crt/,
    ],
    [
      'INJ_TLS_INVALID',
      () => ['--policies', policies, '--dev-tls-dir', join(dir, 'afile', 'tls')],
      /--dev-tls-dir .*afile\/tls: cannot write/,
    ],
    [
      'INJ_NAMESPACE_LABELS_INVALID',
      () => ['--policies', policies, '--namespace-labels', join(dir, 'labels.yaml'), ...tls()],
      /payments\.tier: a label value must be a string/,
    ],
    [
      'INJ_LISTEN_FAILED',
      () => ['--policies', policies, '--host', '127.0.0.1', '--port', String(busyPort), ...tls()],
      /EADDRINUSE|in use/,
    ],
  ];
  for (const [code, args, says] of cases) {
    it(`${code}: ${says.source}`, () => {
      const run = cli(['serve', '--metrics-port', '0', '--drain', '0', ...args()]);
      strictEqual(run.code, documentedExit(code), run.stderr);
      const line = run.stderr.split('\n').find((l) => l.startsWith('init-injector serve: '));
      ok(line, run.stderr);
      match(line, new RegExp(`^init-injector serve: ${code}: `));
      match(run.stderr, says);
      ok(!/^\s+at /m.test(run.stderr), `no stack trace: ${run.stderr}`);
    });
  }
});
