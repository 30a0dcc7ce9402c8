// Which requests the production listener sends to the admission handler: POST with the path
// /mutate as the API server and any clientConfig may spell it. Everything else goes to the
// express app and its JSON 404.
import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { PolicySet } from '../../src/engine/types.js';
import { createListener } from '../../src/server/app.js';
import { isMutatePath } from '../../src/server/mutate-path.js';
import { aPod, loadSet, policyYaml, reviewFor } from './support.js';

describe('routing of the production listener', () => {
  let set: PolicySet;
  before(async () => {
    set = await loadSet({ 'net.yaml': policyYaml('network-check') });
  });

  for (const path of ['/mutate', '/mutate?timeout=10s', '/mutate/', '/MUTATE', '/Mutate/?timeout=30s']) {
    it(`answers POST ${path} as an admission`, async () => {
      const review = reviewFor(aPod());
      const res = await request(createListener({ policies: () => set }))
        .post(path)
        .send(review)
        .expect(200);
      strictEqual(res.body.response.uid, (review['request'] as { uid: string }).uid);
      strictEqual(res.body.response.patchType, 'JSONPatch');
    });
  }

  for (const [method, path] of [
    ['get', '/mutate'],
    ['put', '/mutate'],
    ['post', '/mutate//'],
    ['post', '/mutate/x'],
    ['post', '/%6Dutate'],
  ] as const) {
    it(`answers ${method.toUpperCase()} ${path} with the JSON 404`, async () => {
      const client = request(createListener({ policies: () => set }));
      const res = await client[method](path)
        .send(reviewFor(aPod()))
        .expect(404)
        .expect('content-type', 'application/json');
      strictEqual(res.body.error, 'not found');
      deepStrictEqual(res.body.routes, ['POST /mutate', 'GET /healthz', 'GET /readyz', 'GET /metrics']);
    });
  }

  it('takes /mutate in any case, with one trailing slash, a query or a fragment, and nothing else', () => {
    const admissions = ['/mutate', '/mutate?timeout=10s', '/mutate/', '/MUTATE', '/Mutate/?timeout=30s', '/mutate#x'];
    const others = [undefined, '', '*', '/mutate//', '/mutate/x', '/mutate\\', '/mutate;x', 'http://host/mutate'];
    for (const url of admissions) strictEqual(isMutatePath(url), true, url);
    for (const url of others) strictEqual(isMutatePath(url), false, String(url));
  });

  /** The Connection header of an answer to a client that asks to keep the connection open. */
  async function connectionHeader(draining: boolean, method: string, path: string): Promise<string | undefined> {
    const server = createServer(createListener({ policies: () => set, draining: () => draining }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const agent = new Agent({ keepAlive: true });
    try {
      const { port } = server.address() as AddressInfo;
      const body = JSON.stringify(reviewFor(aPod()));
      return await new Promise((resolve, reject) => {
        const req = httpRequest(
          { port, host: '127.0.0.1', method, path, agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () => {
              resolve(res.headers['connection']);
            });
          },
        );
        req.on('error', reject);
        req.end(method === 'POST' ? body : undefined);
      });
    } finally {
      agent.destroy();
      server.close();
    }
  }

  it('closes the connection after each answer once draining, and keeps it open before', async () => {
    for (const [method, path] of [
      ['POST', '/mutate'],
      ['GET', '/healthz'],
    ] as const) {
      strictEqual(await connectionHeader(true, method, path), 'close', `${method} ${path} while draining`);
      strictEqual(await connectionHeader(false, method, path), 'keep-alive', `${method} ${path} before`);
    }
  });
});
