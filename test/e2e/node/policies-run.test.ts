/**
 * The OnRequest policies on a real node: cert-fetcher's file reaches the app and a native sidecar
 * read-only, wait-for-service holds the pod until the port opens, and the pod's own native sidecar
 * starts between the Prepend and the Append policies' containers, as docs/semantics.md promises.
 */
import assert from 'node:assert/strict';
import { createPod, initNames } from '../harness/index.js';
import { nodeSuite, NODE_NAME } from './index.js';
import {
  closedPort,
  describeStatus,
  httpsServer,
  logs,
  ms,
  nodePod,
  running,
  shellContainer,
  statusOf,
  waitForPod,
} from './pods.js';
import { nodeWorldHooks } from './shared.js';

const TARGET = 'init-injector.io/network-check.target';
const REQUEST = 'init-injector.io/request';
const PEM = '-----BEGIN CERTIFICATE-----\nZTJlLW5vZGUtZmlsZQ==\n-----END CERTIFICATE-----\n';
// Prints the fetched file, then whether the mount can be written, then stays up.
const READER = `cat /etc/init-injector/certs/ca.crt
if touch /etc/init-injector/certs/probe 2>/dev/null; then echo "mount: writable"; else echo "mount: read-only"; fi
exec sleep 3600`;

nodeSuite('e2e node: the OnRequest policies run', function () {
  const suite = nodeWorldHooks('node-onrequest', 'onrequest');

  it('cert-fetcher downloads over HTTPS; the app and a native sidecar read the file, read-only', async function () {
    const { cp, ns } = suite;
    const files = await httpsServer(cp, { '/ca.crt': PEM });
    try {
      const sidecar = shellContainer('reader', READER, { restartPolicy: 'Always' });
      await createPod(
        cp,
        ns,
        nodePod('certs', {
          annotations: {
            [TARGET]: '127.0.0.1',
            [REQUEST]: 'cert-fetcher',
            'init-injector.io/cert-fetcher.url': `${files.url}/ca.crt`,
          },
          initContainers: [sidecar],
          containers: [shellContainer('app', READER)],
        }),
      );
      const pod = await waitForPod(cp, ns, 'certs', 'Running', running);
      assert.equal(statusOf(pod, 'cert-fetcher').state?.terminated?.exitCode, 0, describeStatus(pod));
      assert.deepEqual(
        files.requests.map((r) => `${r.method} ${r.path}`),
        ['GET /ca.crt'],
      );
      for (const container of ['reader', 'app']) {
        const out = await logs(cp, ns, 'certs', container);
        assert.ok(out.startsWith(PEM), `${container} read the fetched file:\n${out}`);
        assert.match(out, /mount: read-only/, `${container}'s mount is read-only`);
      }
    } finally {
      await files.close();
    }
  });

  it('wait-for-service holds the pod in Init until the port opens, then the pod runs', async function () {
    const { cp, ns, world } = suite;
    const { node } = world;
    const service = await closedPort();
    await createPod(
      cp,
      ns,
      nodePod('waits', {
        annotations: {
          [TARGET]: '127.0.0.1',
          [REQUEST]: 'wait-for-service',
          'init-injector.io/wait-for-service.target': `${node.ip}:${String(service.port)}`,
        },
      }),
    );
    const waiting = (p: Parameters<typeof running>[0]): boolean =>
      p.status?.initContainerStatuses?.find((s) => s.name === 'wait-for-service')?.state?.running !== undefined;
    await waitForPod(cp, ns, 'waits', 'wait-for-service running', waiting);
    await new Promise((r) => setTimeout(r, 5000)); // two more checks, still nothing listening
    const held = await cp.coreApi.readNamespacedPod({ name: 'waits', namespace: ns });
    assert.ok(waiting(held), `still waiting:\n${describeStatus(held)}`);
    assert.equal(statusOf(held, 'app').state?.running, undefined, 'the app has not started');

    const opened = Date.now();
    const server = await service.open();
    try {
      const pod = await waitForPod(cp, ns, 'waits', 'Running', running, 30_000);
      assert.equal(statusOf(pod, 'wait-for-service').state?.terminated?.exitCode, 0);
      assert.ok(
        ms(statusOf(pod, 'app').state?.running?.startedAt) >= opened - 1000,
        'the app started after the port opened',
      );
      const out = await logs(cp, ns, 'waits', 'wait-for-service');
      assert.match(out, /wait-for-service: waiting for /);
      assert.match(out, /accepts connections/);
    } finally {
      server.close();
    }
  });

  it("starts the pod's native sidecar after the Prepend policies and before the Append one", async function () {
    const { cp, ns } = suite;
    const notices = await httpsServer(cp, {});
    try {
      const proxy = shellContainer('proxy', 'echo proxy up; exec sleep 3600', { restartPolicy: 'Always' });
      const stored = await createPod(
        cp,
        ns,
        nodePod('sidecar-order', {
          annotations: {
            [TARGET]: '127.0.0.1',
            [REQUEST]: 'notify-start',
            'init-injector.io/notify-start.url': `${notices.url}/started`,
          },
          initContainers: [proxy],
        }),
      );
      const order = ['init-demo', 'network-check', 'proxy', 'notify-start'];
      assert.deepEqual(initNames(stored), order);
      const pod = await waitForPod(cp, ns, 'sidecar-order', 'Running', running);
      const started = (name: string): number => {
        const s = statusOf(pod, name).state;
        return ms(s?.terminated?.startedAt ?? s?.running?.startedAt);
      };
      const finished = (name: string): number => ms(statusOf(pod, name).state?.terminated?.finishedAt);
      assert.ok(finished('init-demo') <= started('network-check'), describeStatus(pod));
      assert.ok(finished('network-check') <= started('proxy'), describeStatus(pod));
      assert.ok(started('proxy') <= started('notify-start'), describeStatus(pod));
      assert.ok(finished('notify-start') <= started('app'), describeStatus(pod));
      assert.notEqual(statusOf(pod, 'proxy').state?.running, undefined, 'the sidecar keeps running beside the app');
      assert.equal(statusOf(pod, 'notify-start').state?.terminated?.exitCode, 0);
      assert.equal(notices.requests.length, 1, 'one notice');
      const notice = JSON.parse(notices.requests[0]?.body ?? '{}') as Record<string, string>;
      assert.deepEqual(
        {
          method: notices.requests[0]?.method,
          pod: notice['pod'],
          namespace: notice['namespace'],
          node: notice['node'],
        },
        { method: 'POST', pod: 'sidecar-order', namespace: ns, node: NODE_NAME },
      );
    } finally {
      await notices.close();
    }
  });
});
