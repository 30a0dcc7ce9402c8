import { ok, strictEqual } from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { RunningServer } from '../../src/server/serve.js';
import { mintPair, SecretDir, sleep, startInProcess } from './serve-support.js';
import { policyYaml, tmp } from './support.js';

/** Resolves with how long the server took to close `socket` (ms), or -1 if it stayed open past `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    if (socket.closed) {
      resolve(0); // closed before we started looking
      return;
    }
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(-1);
    }, ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
    socket.on('error', () => undefined);
    socket.resume(); // a paused socket never emits 'end'/'close'
  });
}

// The same wiring as production with the timeouts shortened (production: 95 s / 32 s / 35 s / 10 s).
const SHORT = { keepAliveMs: 2500, headersMs: 1000, requestMs: 2000, handshakeMs: 1000, checkIntervalMs: 200 };

describe('serve: slow and idle clients are cut by the configured timeouts', function () {
  this.timeout(60_000);
  let running: RunningServer;
  let ca: string;

  before(async () => {
    const root = tmp('ii-slow-');
    writeFileSync(join(root, 'net.yaml'), policyYaml('network-check'));
    const minted = await mintPair();
    ca = minted.ca.certPem;
    const secret = new SecretDir(join(root, 'secret'));
    secret.write(minted.pair);
    running = await startInProcess(
      ['--policies', root, '--tls-cert', secret.certPath, '--tls-key', secret.keyPath],
      root,
      SHORT,
    );
  });
  after(async () => {
    await running.shutdown('test');
  });

  const tls = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: running.port, servername: 'localhost', ca: [ca] }, () => {
        resolve(s);
      });
      s.on('error', reject);
    });

  it('closes a TCP connection that never starts the TLS handshake (handshake timeout)', async () => {
    const s = tcpConnect(running.port, '127.0.0.1');
    const ms = await closedWithin(s, 10_000);
    ok(ms >= 0 && ms < 5000, `closed after ${ms} ms`);
  });

  it('closes a connection that sends headers one byte at a time (slowloris, headers timeout)', async () => {
    const s = await tls();
    const head = 'POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n';
    let i = 0;
    const drip = setInterval(() => {
      if (i < head.length && !s.destroyed) s.write(head[i++] ?? '');
    }, 100);
    const ms = await closedWithin(s, 10_000);
    clearInterval(drip);
    ok(ms >= 0 && ms < 5000, `closed after ${ms} ms`);
    ok(i < head.length, 'cut before the headers were complete');
  });

  it('answers 408 and closes when the body trickles in past the request timeout', async () => {
    const s = await tls();
    let answer = '';
    s.on('data', (c: Buffer) => (answer += c.toString()));
    s.write(
      'POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
    );
    const drip = setInterval(() => {
      if (!s.destroyed) s.write(' ');
    }, 200);
    const ms = await closedWithin(s, 10_000);
    clearInterval(drip);
    ok(ms >= 0 && ms < 6000, `closed after ${ms} ms`);
    ok(answer === '' || answer.startsWith('HTTP/1.1 408'), answer);
  });

  it('closes idle connections (open, nothing sent) and idle keep-alive connections after a request', async () => {
    const server = running.servers[0]!;
    const connections = (): Promise<number> =>
      new Promise((resolve, reject) => {
        server.getConnections((e, n) => {
          if (e) reject(e);
          else resolve(n);
        });
      });
    const idle = await Promise.all(Array.from({ length: 200 }, () => tls()));
    for (const s of idle) s.resume();
    ok((await connections()) > 0);
    let left = -1;
    for (let i = 0; i < 50 && left !== 0; i++) {
      await sleep(100);
      left = await connections();
    }
    strictEqual(left, 0, 'the server still holds idle connections');
    const kept = await tls();
    kept.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await sleep(100);
    const ms = await closedWithin(kept, 10_000);
    // After a response the keep-alive timeout (2.5 s here, 95 s in production) governs, not the 1 s idle cut.
    ok(ms >= 1800 && ms < 6000, `keep-alive closed after ${ms} ms`);
    strictEqual(server.keepAliveTimeout, SHORT.keepAliveMs);
  });
});
