// A large body must not be read in one go: libuv reads a ready socket up to 32 times 64 KiB before it
// serves any other, so a 2 MiB review that had queued up in the kernel was decrypted, parsed and
// copied in one event-loop turn while every other request waited. readBody pauses after about
// BODY_BYTES_PER_TURN and reads on in the next turn.
import { ok, strictEqual } from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { join } from 'node:path';
import { BODY_BYTES_PER_TURN, readBody, type Body } from '../../src/server/body.js';
import { trackUnusedConnections } from '../../src/server/unused-connections.js';
import { makeCert } from '../support/tls.js';

const BODY_BYTES = 2 * 1024 * 1024;

/** Sends BODY_BYTES to the port from another process, as the API server would. */
function sendFromChild(port: number, ca: string): Promise<void> {
  const code = `
    const { request } = require('node:https');
    const body = Buffer.alloc(${String(BODY_BYTES)}, 0x61);
    const req = request({ host: '127.0.0.1', port: ${String(port)}, method: 'POST', path: '/mutate',
      ca: process.env.CA, headers: { 'content-length': body.length } }, (res) => { res.resume(); });
    req.end(body);`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', code], { env: { ...process.env, CA: ca }, timeout: 15_000 }, (e) => {
      if (e) reject(new Error(`the sending process failed: ${e.message}`));
      else resolve();
    });
  });
}

describe('readBody: a large body is read a bounded amount per event-loop turn', () => {
  it('reads a 2 MiB body that queued up while the loop was busy in many turns, none over 2x the bound', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'body-turns-'));
    const { certFile, keyFile } = makeCert(dir);
    const turns: number[] = [];
    let received: Promise<Body> | undefined;
    const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (req, res) => {
      let inTurn = 0;
      req.on('data', (chunk: Buffer) => {
        if (inTurn === 0)
          setImmediate(() => {
            turns.push(inTurn);
            inTurn = 0;
          });
        inTurn += chunk.length;
      });
      // A busy event loop: the rest of the body queues up in the kernel meanwhile.
      const until = performance.now() + 300;
      while (performance.now() < until);
      received = readBody(req);
      void received.then((b) => res.end(String(b.length)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await sendFromChild((server.address() as AddressInfo).port, readFileSync(certFile, 'utf8'));
      const body = await received;
      strictEqual(body?.length, BODY_BYTES);
      strictEqual(
        turns.reduce((a, b) => a + b, 0),
        BODY_BYTES,
      );
      const most = Math.max(...turns);
      ok(most < 2 * BODY_BYTES_PER_TURN, `${String(most)} bytes read in one turn (turns: ${turns.join(' ')})`);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a body on a connection the server tracks for shutdown', () => {
  it("leaves one copy of itself in the event loop's external memory, not two", async () => {
    // V8 counts array-buffer memory allocated since its last full collection against the heap's
    // free space. A 'data' listener on the socket made Node pass every TLS record through
    // JavaScript as a buffer of its own before the HTTP parser copied the body out of it.
    const dir = mkdtempSync(join(tmpdir(), 'body-memory-'));
    const { certFile, keyFile } = makeCert(dir);
    let growth = Number.NaN;
    let length = 0;
    const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (req, res) => {
      const before = getHeapStatistics().external_memory;
      void readBody(req).then((b) => {
        growth = getHeapStatistics().external_memory - before;
        length = b.length;
        res.end('ok');
      });
    });
    trackUnusedConnections(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await sendFromChild((server.address() as AddressInfo).port, readFileSync(certFile, 'utf8'));
      strictEqual(length, BODY_BYTES);
      // A collection during the read only lowers the figure; two copies would be about 2x.
      ok(growth < 1.5 * length, `external memory grew by ${String(growth)} bytes for a ${String(length)}-byte body`);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
