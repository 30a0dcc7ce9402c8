// A client that closes its connection in the middle of the body is not our failure: no 500, no
// error-level line, counted as result="aborted" (the error counter is what operators page on).
import { ok, strictEqual } from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/log.js';
import { createListener } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { logSink } from '../support/log.js';
import { loadSet, policyYaml } from './support.js';

describe('POST /mutate: a client that goes away mid-body (the production listener)', () => {
  it('is counted as aborted, logged at info, never as an internal error', async () => {
    const set = await loadSet({ 'p.yaml': policyYaml('network-check') });
    const sink = logSink();
    const log = createLogger({ level: 'info', destination: sink.stream });
    const metrics = createMetrics({ processMetrics: false });
    const listener = createListener({ policies: () => set, log, metrics });
    const server = createServer(listener);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      await new Promise<void>((resolve) => {
        const sock = connect(port, '127.0.0.1', () => {
          sock.write(
            'POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion":',
          );
          setTimeout(() => {
            sock.destroy();
            resolve();
          }, 100);
        });
      });
      let text = '';
      for (let i = 0; i < 50 && !text.includes('result="aborted"'); i++) {
        await new Promise((r) => setTimeout(r, 20));
        text = await metrics.registry.metrics();
      }
      ok(/init_injector_admission_requests_total\{result="aborted"\} 1/.test(text), text);
      ok(!/init_injector_admission_requests_total\{result="error"\} [1-9]/.test(text), 'counted as an error');
      const lines = sink
        .text()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      strictEqual(lines.filter((l) => l['level'] === 'error').length, 0, JSON.stringify(lines));
      ok(
        lines.some((l) => l['result'] === 'aborted' && l['level'] === 'info'),
        JSON.stringify(lines),
      );
    } finally {
      server.close();
    }
  });
});
