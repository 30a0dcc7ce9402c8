/**
 * InjectionPolicy status and two replicas against the real API server: both webhook processes
 * follow the objects (a change reaches each within the time measured here, printed), only the holder
 * of the status Lease writes status, a generation only the webhook can refuse shows its problems in
 * status while the previous generation keeps serving, and when the writer stops the other replica
 * takes the Lease and keeps status current.
 */
import assert from 'node:assert/strict';
import {
  dryRunPod,
  podManifest,
  startTrackedWebhook,
  waitFor,
  type ControlPlane,
  type WebhookServer,
} from './harness/index.js';
import { httpsGet } from './harness/net.js';
import { demoPolicy, installCrd, optInTo, removeCrd, withBrokenCondition } from './support/crd.js';
import { getControlPlane } from './support/fixtures.js';

const LEASE = ['-n', 'default', 'lease', 'init-injector-policy-status'];

const gate = (version: string): string => demoPolicy('gate', version);

interface Status {
  observedGeneration?: number;
  inForceGeneration?: number;
  digest?: string;
  problems?: string[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

describe('e2e: InjectionPolicy status, written by one of two replicas', function () {
  this.timeout(120_000);
  let cp: ControlPlane;
  let replicas: WebhookServer[] = [];

  const kubectl = async (args: string[], stdin?: string): Promise<string> => {
    const r = await cp.kubectl(args, stdin);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const status = async (): Promise<Status> =>
    (JSON.parse(await kubectl(['get', 'injectionpolicy', 'gate', '-o', 'json'])) as { status?: Status }).status ?? {};
  const revision = async (w: WebhookServer): Promise<string> => {
    const res = await httpsGet(`https://127.0.0.1:${String(w.port)}/readyz`, { ca: cp.pki.ca.certPem });
    return (JSON.parse(res.body) as { policies: { revision: string } }).policies.revision;
  };
  const leaders = async (): Promise<WebhookServer[]> => {
    const out: WebhookServer[] = [];
    for (const w of replicas) if (/^init_injector_policy_status_leader 1$/m.test(await w.metrics())) out.push(w);
    return out;
  };

  before(async function () {
    cp = await getControlPlane();
    await installCrd(cp);
    await kubectl(['apply', '--server-side', '-f', '-'], gate('1'));
    // A short drain, so a stop reaches the Lease hand-back within the harness's 5 s before SIGKILL.
    const quick = ['--drain=500ms', '--shutdown-grace=3s'];
    replicas = [
      await startTrackedWebhook(cp, 'status-a', {}, 'crd', { args: quick }),
      await startTrackedWebhook(cp, 'status-b', {}, 'crd', { args: quick }),
    ];
  });

  after(async function () {
    for (const w of replicas) await w.stop();
    await removeCrd(cp);
    await cp.kubectl(['delete', ...LEASE, '--ignore-not-found']);
  });

  it('one replica holds the Lease and writes Ready, the generation in force and its digest', async function () {
    await waitFor(
      'gate Ready',
      async () => ((await status()).conditions?.[0]?.status === 'True' ? true : undefined),
      30_000,
      100,
    );
    const s = await status();
    assert.equal(s.observedGeneration, 1);
    assert.equal(s.inForceGeneration, 1);
    assert.match(s.digest ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(s.problems, []);
    assert.equal(s.conditions?.[0]?.reason, 'InForce');
    assert.equal((await leaders()).length, 1, 'exactly one replica writes status');
    const holder = await kubectl(['get', ...LEASE, '-o', 'jsonpath={.spec.holderIdentity}']);
    assert.match(holder, /_\d+$/);
    assert.match(await kubectl(['get', 'injectionpolicy', 'gate']), /^gate +Always +10 +Inject +True +/m);
  });

  it('a change reaches both replicas, each measured from kubectl apply', async function () {
    const before = await Promise.all(replicas.map(revision));
    const applied = Date.now();
    await kubectl(['apply', '--server-side', '-f', '-'], gate('2'));
    const took = await Promise.all(
      replicas.map(async (w, i) => {
        await waitFor(
          `${w.name} to serve gate:2`,
          async () => ((await revision(w)) !== before[i] ? true : undefined),
          10_000,
          20,
        );
        return Date.now() - applied;
      }),
    );
    console.log(
      `      (gate:2 in force on the two replicas ${took.map(String).join(' ms and ')} ms after kubectl apply)`,
    );
    assert.equal(await revision(replicas[0] as WebhookServer), await revision(replicas[1] as WebhookServer));
  });

  it('a generation only the webhook refuses shows its problems in status; the previous one keeps serving', async function () {
    const { ns, unregister } = await optInTo(cp, replicas[0] as WebhookServer, 'crd-status');
    try {
      const served = await Promise.all(replicas.map(revision));
      await kubectl(['apply', '--server-side', '-f', '-'], withBrokenCondition(gate('broken')));
      await waitFor(
        'gate status to show generation 3 invalid',
        async () => ((await status()).observedGeneration === 3 ? true : undefined),
        15_000,
        100,
      );
      const s = await status();
      const ready = s.conditions?.find((c) => c.type === 'Ready');
      assert.ok(ready, 'a Ready condition');
      assert.equal(ready.status, 'False');
      assert.equal(ready.reason, 'PreviousGenerationInForce');
      assert.match(ready.message, /generation 3 is invalid \(1 problem\); generation 2 stays in force/);
      assert.equal(s.inForceGeneration, 2);
      assert.match(s.problems?.[0] ?? '', /^spec\.match\.conditions\[0\]\.expression: /);
      assert.match(
        await kubectl(['get', 'injectionpolicy', 'gate', '-o', 'wide']),
        /^gate +Always +10 +Inject +False +\S+ +PreviousGenerationInForce +2$/m,
      );
      // Both replicas keep serving the set with generation 2, and a new pod gets gate:2.
      assert.deepEqual(await Promise.all(replicas.map(revision)), served);
      const pod = await dryRunPod(cp, ns, podManifest('probe'));
      assert.equal(pod.spec?.initContainers?.find((c) => c.name === 'gate')?.image, 'example.com/gate:2');
    } finally {
      await unregister();
    }
  });

  it('when the writer stops, the other replica takes the Lease and keeps status current', async function () {
    const [leader] = await leaders();
    assert.ok(leader, 'a leader');
    const stoppedAt = Date.now();
    const holder = await kubectl(['get', ...LEASE, '-o', 'jsonpath={.spec.holderIdentity}']);
    await leader.stop();
    // Handed back on the way out: the stopped replica's name is no longer in the Lease (an expiry
    // would have left it there for the 15 s lease duration).
    assert.notEqual(await kubectl(['get', ...LEASE, '-o', 'jsonpath={.spec.holderIdentity}']), holder);
    replicas = replicas.filter((w) => w !== leader);
    const survivor = replicas[0] as WebhookServer;
    await waitFor(
      `${survivor.name} to hold the Lease`,
      async () => ((await leaders()).length === 1 ? true : undefined),
      30_000,
      100,
    );
    console.log(
      `      (the other replica held the status Lease ${String(Date.now() - stoppedAt)} ms after the writer's stop began)`,
    );
    await kubectl(['apply', '--server-side', '-f', '-'], gate('4'));
    await waitFor(
      'gate status for generation 4',
      async () => {
        const s = await status();
        return s.observedGeneration === 4 && s.conditions?.[0]?.status === 'True' ? true : undefined;
      },
      15_000,
      100,
    );
    assert.equal((await status()).inForceGeneration, 4);
  });
});
