import { ok, strictEqual } from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { RunningServer } from '../../src/server/serve.js';
import { TIMEOUTS } from '../../src/server/serve.js';
import { admit, mintPair, SecretDir, send, sleep, startInProcess } from './serve-support.js';
import { policyYaml, tmp } from './support.js';

describe('serve over real TLS: certificate rotation and connection settings', function () {
  this.timeout(90_000);
  let running: RunningServer;
  let secret: SecretDir;
  let first: Awaited<ReturnType<typeof mintPair>>;
  let second: Awaited<ReturnType<typeof mintPair>>;

  before(async () => {
    const root = tmp('ii-tls-');
    writeFileSync(join(root, 'net.yaml'), policyYaml('network-check'));
    [first, second] = await Promise.all([mintPair(), mintPair()]);
    secret = new SecretDir(join(root, 'secret'));
    secret.write(first.pair);
    running = await startInProcess(
      ['--policies', root, '--tls-cert', secret.certPath, '--tls-key', secret.keyPath],
      root,
    );
  });
  after(async () => {
    await running.shutdown('test');
  });

  it('sets keep-alive 95 s, headers 32 s, request 35 s on the admission server (kube-apiserver idles 90 s)', () => {
    const server = running.servers[0]!;
    strictEqual(server.keepAliveTimeout, TIMEOUTS.keepAliveMs);
    strictEqual(server.keepAliveTimeout, 95_000);
    strictEqual(server.headersTimeout, 32_000);
    ok(server.requestTimeout > 30_000);
  });

  it('negotiates http/1.1 by ALPN even when the client offers h2 first', async () => {
    const protocol = await new Promise<string | false | null>((resolve, reject) => {
      const s = connect(
        {
          host: '127.0.0.1',
          port: running.port,
          servername: 'localhost',
          ca: [first.ca.certPem],
          ALPNProtocols: ['h2', 'http/1.1'],
        },
        () => {
          resolve(s.alpnProtocol);
          s.end();
        },
      );
      s.on('error', reject);
    });
    strictEqual(protocol, 'http/1.1');
  });

  it('refuses a smuggling attempt (Content-Length with Transfer-Encoding) with 400 and closes the connection', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const s = connect(
        { host: '127.0.0.1', port: running.port, servername: 'localhost', ca: [first.ca.certPem] },
        () => {
          s.write(
            'POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 4\r\n' +
              'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nPOST /mutate HTTP/1.1\r\nHost: localhost\r\n\r\n',
          );
        },
      );
      let text = '';
      s.on('data', (c: Buffer) => (text += c.toString()));
      s.on('end', () => {
        resolve(text);
      });
      s.on('error', reject);
    });
    ok(raw.startsWith('HTTP/1.1 400'), raw);
    strictEqual(raw.match(/HTTP\/1\.1 /g)?.length, 1, 'the smuggled second request is never answered');
  });

  it('rotates the certificate while a keep-alive client sends requests: zero failures, new connections see the new certificate', async () => {
    const cas = [first.ca.certPem, second.ca.certPem];
    const oldPrint = new X509Certificate(first.pair.certPem).fingerprint256;
    const newPrint = new X509Certificate(second.pair.certPem).fingerprint256;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let sent = 0;
    let failures = 0;
    const sockets = new Set<unknown>();
    const fingerprintsOnKeptConnection = new Set<string>();
    const state = { stop: false };
    const loop = (async () => {
      while (!state.stop) {
        sent += 1;
        try {
          const { answer } = await admit(running.port, agent, cas);
          sockets.add(answer.socket);
          fingerprintsOnKeptConnection.add(answer.fingerprint);
        } catch {
          failures += 1;
        }
      }
    })();
    await sleep(500);
    secret.write(second.pair); // kubelet-style ..data symlink swap
    let seen = '';
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const fresh = await send(running.port, { path: '/healthz', method: 'GET', agent: false, ca: cas });
      seen = fresh.fingerprint;
      if (seen === newPrint) break;
      await sleep(100);
    }
    await sleep(500);
    state.stop = true;
    await loop;
    agent.destroy();
    console.log(`      rotation: ${sent} requests on one kept-alive connection, ${failures} failures`);
    strictEqual(seen, newPrint, 'a new connection must get the new certificate');
    strictEqual(failures, 0);
    ok(sent > 10, `only ${sent} requests`);
    strictEqual(sockets.size, 1, 'the kept-alive connection survived the rotation');
    ok(fingerprintsOnKeptConnection.has(oldPrint));
    const metrics = await send(running.port, { path: '/metrics', method: 'GET', agent: false, ca: cas });
    ok(/init_injector_certificate_reloads_total\{result="success"\} 1/.test(metrics.body), metrics.body.slice(0, 300));
    const expiry = Date.parse(new X509Certificate(second.pair.certPem).validTo) / 1000;
    ok(metrics.body.includes(`init_injector_certificate_expiry_timestamp_seconds ${expiry}`));
  });

  it('keeps the working certificate when a rotation writes garbage, and says so in /readyz', async () => {
    const cas = [first.ca.certPem, second.ca.certPem];
    const newPrint = new X509Certificate(second.pair.certPem).fingerprint256;
    secret.write({ certPem: 'not a certificate', keyPem: second.pair.keyPem });
    let certificate: { lastError?: string; valid?: boolean } = {};
    for (let i = 0; i < 150 && certificate.lastError === undefined; i++) {
      await sleep(100);
      const body = (await send(running.port, { path: '/readyz', method: 'GET', agent: false, ca: cas })).body;
      certificate = (JSON.parse(body) as { certificate: typeof certificate }).certificate;
    }
    ok(certificate.lastError?.includes('not a PEM certificate'), JSON.stringify(certificate));
    strictEqual(certificate.valid, true, 'the previous pair keeps serving');
    const { answer } = await admit(running.port, false, cas);
    strictEqual(answer.fingerprint, newPrint);
  });
});
