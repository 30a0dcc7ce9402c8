// With --namespace-labels FILE, a namespace missing from the file has unknown labels and a required
// policy with a namespaceSelector denies every pod there. Kept on purpose, but said at start-up.
import { ok, strictEqual } from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseServeConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startServe } from '../../src/server/serve.js';
import { logSink } from '../support/log.js';
import { admit } from './serve-support.js';
import { aPod, policyYaml, reviewFor, tmp } from './support.js';

describe('serve: the fail-closed effect of a namespace labels file is said at start-up and in each denial', () => {
  it('names the required namespaceSelector policies and the file in a warning, and the file in a denial', async () => {
    const dir = tmp('ii-failclosed-');
    writeFileSync(
      join(dir, 'gate.yaml'),
      policyYaml('gate', {
        extra: '  required: true\n  match:\n    namespaceSelector: {matchLabels: {tier: backend}}\n',
      }),
    );
    writeFileSync(join(dir, 'open.yaml'), policyYaml('open'));
    writeFileSync(join(dir, 'ns.yaml'), 'payments: {tier: backend}\n');
    const flags = ['--port', '0', '--metrics-port', '0', '--drain', '0', '--policies', join(dir, 'gate.yaml')];
    const config = parseServeConfig(
      [
        ...flags,
        '--policies',
        join(dir, 'open.yaml'),
        '--namespace-labels',
        join(dir, 'ns.yaml'),
        '--dev-tls-dir',
        join(dir, 'tls'),
      ],
      {},
      dir,
    );
    const sink = logSink();
    const server = await startServe(config, createLogger({ level: 'info', destination: sink.stream }));
    try {
      const warning = sink
        .text()
        .split('\n')
        .find((l) => l.includes('"level":"warn"') && l.includes('--namespace-labels file'));
      ok(warning !== undefined, sink.text());
      ok(warning.includes('"policies":["gate"]') && warning.includes('ns.yaml'), warning);
      // ...and each denial names the file the namespace is missing from.
      ok(server.caPath !== undefined);
      const ca = [readFileSync(server.caPath, 'utf8')];
      const { response } = await admit(server.port, false, ca, reviewFor(aPod(), { namespace: 'shop' }));
      strictEqual(response['allowed'], false);
      const message = (response['status'] as { message: string }).message;
      ok(
        message.includes(
          `labels of namespace shop are not known: namespace shop is not in the --namespace-labels file ${join(dir, 'ns.yaml')}; add it there`,
        ),
        message,
      );
    } finally {
      await server.shutdown('test');
    }
  });
});
