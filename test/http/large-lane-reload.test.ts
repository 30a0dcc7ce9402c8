// After a policy reload the large-review worker compiles the new set at once, so the next large
// review does not pay the compilation inside its deadline. Seen in the server's debug log: the
// worker says which revision it compiled, with no large review sent.
import { ok } from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseServeConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startServe } from '../../src/server/serve.js';
import { logSink, type LogSink } from '../support/log.js';
import { sleep } from './serve-support.js';
import { policyYaml, tmp } from './support.js';

interface Line {
  msg?: string;
  revision?: string;
}

/** The log's lines with `msg`, parsed. */
const linesWith = (sink: LogSink, msg: string): Line[] =>
  sink
    .lines()
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.msg === msg);

async function until(what: string, sink: LogSink, done: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !done(); i++) await sleep(100);
  ok(done(), `${what}; the log:\n${sink.text()}`);
}

describe('serve: the large-review worker compiles a reloaded policy set before any large review', function () {
  this.timeout(60_000);
  it('logs the new revision compiled by the worker after "policies reloaded"', async () => {
    const dir = tmp('ii-lane-reload-');
    const policies = join(dir, 'policies');
    mkdirSync(policies);
    writeFileSync(join(policies, 'net.yaml'), policyYaml('network-check'));
    const config = parseServeConfig(
      ['--port', '0', '--metrics-port', '0', '--drain', '0', '--policies', policies, '--dev-tls-dir', join(dir, 'tls')],
      {},
      dir,
    );
    const sink = logSink();
    const server = await startServe(config, createLogger({ level: 'debug', destination: sink.stream }));
    try {
      const compiled = (): string[] =>
        linesWith(sink, 'large-review worker compiled the policies').map((l) => l.revision ?? '');
      await until('the worker compiles the policies it starts with', sink, () => compiled().length === 1);
      writeFileSync(join(policies, 'cert.yaml'), policyYaml('cert-fetcher'));
      await until('the policies are reloaded', sink, () => linesWith(sink, 'policies reloaded').length > 0);
      const reloaded = linesWith(sink, 'policies reloaded')[0]?.revision ?? '';
      ok(reloaded !== '' && reloaded !== compiled()[0], `a new revision: ${reloaded}`);
      await until(`the worker compiles revision ${reloaded}`, sink, () => compiled().includes(reloaded));
    } finally {
      await server.shutdown('test');
    }
  });
});
