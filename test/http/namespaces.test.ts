import { deepStrictEqual, match, strictEqual, throws } from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { NamespaceLabelsError } from '../../src/errors.js';
import { informerNamespaceSource, parseNamespaceLabels, type NamespaceSource } from '../../src/kube/namespaces.js';
import { sleep } from './serve-support.js';
import { tmp } from './support.js';

const ns = (name: string, labels: Record<string, string>, rv: string) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels, resourceVersion: rv, uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' },
  status: { phase: 'Active' },
});

/** A stand-in kube-apiserver for namespaces: list (held until released) and a watch stream we push events into. */
class FakeApiServer {
  readonly server: Server;
  watchers: ServerResponse[] = [];
  releaseList!: () => void;
  readonly listed = new Promise<void>((r) => (this.releaseList = r));
  requests: string[] = [];
  constructor(items: unknown[]) {
    this.server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      if (req.url?.includes('watch=true')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        this.watchers.push(res);
        return;
      }
      void this.listed.then(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: { resourceVersion: '10' }, items }),
        );
      });
    });
  }
  push(type: string, object: unknown): void {
    for (const w of this.watchers) w.write(`${JSON.stringify({ type, object })}\n`);
  }
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const dir = tmp('ii-kube-');
    const file = join(dir, 'kubeconfig');
    const server = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
    );
    return file;
  }
  stop(): void {
    for (const w of this.watchers) w.end();
    this.server.closeAllConnections();
    this.server.close();
  }
}

async function until(probe: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

describe('namespace labels', () => {
  describe('informer source against a stand-in API server (list + watch over HTTP)', () => {
    let api: FakeApiServer;
    let source: NamespaceSource;
    afterEach(() => {
      source.stop();
      api.stop();
    });

    it('is not synced until the first list completes, then serves labels from the cache and follows watch events', async () => {
      api = new FakeApiServer([ns('payments', { tier: 'backend' }, '5')]);
      source = informerNamespaceSource({ kubeconfig: await api.start() });
      await source.start();
      await sleep(200);
      strictEqual(source.status().synced, false);
      strictEqual(source.lookup('payments').labels, undefined);
      api.releaseList();
      await until(() => source.status().synced);
      deepStrictEqual(source.lookup('payments').labels, { tier: 'backend' });
      const object = source.lookup('payments').object as { metadata: { creationTimestamp: string } };
      strictEqual(typeof object.metadata.creationTimestamp, 'string', 'wire JSON, not Date');
      await until(() => api.watchers.length > 0);
      api.push('ADDED', ns('web', { tier: 'frontend' }, '11'));
      api.push('MODIFIED', ns('payments', { tier: 'gold' }, '12'));
      await until(() => source.lookup('payments').labels?.['tier'] === 'gold');
      deepStrictEqual(source.lookup('web').labels, { tier: 'frontend' });
      api.push('DELETED', ns('web', { tier: 'frontend' }, '13'));
      await until(() => source.lookup('web').labels === undefined);
      strictEqual(source.status().count, 1);
      const lookupsBefore = api.requests.length;
      for (let i = 0; i < 100; i++) source.lookup('payments');
      strictEqual(api.requests.length, lookupsBefore, 'lookups never call the API');
    });
  });

  describe('informer source against an unreachable API server', () => {
    it('reports which server it cannot reach and why, not only "fetch failed"', async () => {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) =>
        closed.close(() => {
          r();
        }),
      );
      const file = join(tmp('ii-kube-'), 'kubeconfig');
      writeFileSync(
        file,
        `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
      );
      const errors: string[] = [];
      const source = informerNamespaceSource({ kubeconfig: file, retryMs: 60_000 }, (e) => {
        if (e.type === 'error') errors.push(e.message);
      });
      try {
        await source.start();
        await until(() => errors.length > 0);
        match(
          errors[0] ?? '',
          new RegExp(`^cannot list or watch namespaces at https://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
        );
        strictEqual(source.status().lastError, errors[0]);
      } finally {
        source.stop();
      }
    });
  });

  describe('--namespace-labels file format', () => {
    it('reads a map of namespace to labels (string values, as kubectl reads them) and builds a Namespace object for CEL', () => {
      const t = parseNamespaceLabels('payments: {tier: backend, pci: "true"}\nempty:\n', 'ns.yaml');
      deepStrictEqual(t.get('payments')?.labels, { tier: 'backend', pci: 'true' });
      deepStrictEqual(t.get('empty')?.labels, {});
      deepStrictEqual(t.get('payments')?.object, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'payments', labels: { tier: 'backend', pci: 'true' } },
      });
    });

    it('refuses __proto__ as a label key (not a qualified name) without touching any prototype', () => {
      throws(
        () => parseNamespaceLabels('x: {__proto__: evil}\n', 'ns.yaml'),
        (e: unknown) => e instanceof NamespaceLabelsError && /x.__proto__: label key "__proto__"/.test(e.message),
      );
      strictEqual(({} as Record<string, unknown>)['evil'], undefined);
    });

    for (const [text, message] of [
      ['- a\n- b\n', /ns.yaml: expected a map of namespace name to labels/],
      ['a: [x]\n', /ns.yaml: a: expected a map of label name to value/],
      ['a: {b: {c: d}}\n', /ns.yaml: a.b: a label value must be a string/],
      ['payments: {tier: 5}\n', /ns.yaml: payments.tier: a label value must be a string; quote it: tier: "5"/],
      ['payments: {pci: true}\n', /ns.yaml: payments.pci: a label value must be a string; quote it: pci: "true"/],
      ['payments: {"Tier Bad": x}\n', /ns.yaml: payments.Tier Bad: label key "Tier Bad" is not a qualified name/],
      ['payments: {tier: "no spaces"}\n', /ns.yaml: payments.tier: "no spaces" is not a valid label value/],
      ['a: {b: [\n', /ns.yaml/],
    ] as const) {
      it(`rejects ${JSON.stringify(text)} naming the file and entry`, () => {
        throws(
          () => parseNamespaceLabels(text, 'ns.yaml'),
          (e: unknown) => e instanceof NamespaceLabelsError && message.test(e.message),
        );
      });
    }

    it('says which file it cannot read', async () => {
      const { fileNamespaceSource } = await import('../../src/kube/namespaces.js');
      const s = fileNamespaceSource('/nonexistent/ns.yaml');
      await s.start().then(
        () => {
          throw new Error('should fail');
        },
        (e: unknown) => {
          match((e as Error).message, /--namespace-labels: cannot read \/nonexistent\/ns.yaml/);
        },
      );
    });
  });
});
