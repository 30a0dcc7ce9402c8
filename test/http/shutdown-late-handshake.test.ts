// A connection the server accepted before it stopped listening, whose TLS handshake completes only
// afterwards, must not hold the shutdown until the grace period cuts it. An HTTP client that dials
// a spare connection (Go's transport does, and keeps it idle for 90 s) produces exactly this; the
// server once closed idle connections only at the moment it stopped listening, so such a
// connection made a clean SIGTERM end with "connections were cut" and exit status 1.
import { strictEqual } from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { mintPair, SecretDir, sleep, startInProcess } from './serve-support.js';
import { policyYaml, tmp } from './support.js';

describe('serve: shutdown and a connection whose handshake ends after the listener closed', function () {
  this.timeout(30_000);

  it('closes it as idle and stops cleanly (exit status 0)', async () => {
    const root = tmp('ii-late-');
    writeFileSync(join(root, 'net.yaml'), policyYaml('network-check'));
    const minted = await mintPair();
    const secret = new SecretDir(join(root, 'secret'));
    secret.write(minted.pair);
    const running = await startInProcess(
      ['--policies', root, '--tls-cert', secret.certPath, '--tls-key', secret.keyPath, '--shutdown-grace', '4s'],
      root,
    );
    const tcp = await new Promise<Socket>((resolve, reject) => {
      const s = tcpConnect(running.port, '127.0.0.1', () => {
        resolve(s);
      });
      s.on('error', reject);
    });
    const stopped = running.shutdown('test'); // --drain 0: the listener closes at once
    await sleep(300);
    const tls = await new Promise<Socket>((resolve, reject) => {
      const s = tlsConnect({ socket: tcp, servername: 'localhost', ca: [minted.ca.certPem] }, () => {
        resolve(s);
      });
      s.on('error', reject);
    });
    tls.on('error', () => undefined);
    tls.resume();
    strictEqual(await stopped, 0, 'the shutdown had to cut the late connection');
    tls.destroy();
  });
});
