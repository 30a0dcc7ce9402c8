/**
 * Chaos under load through the real API server (docs/reliability.md §5). Two `init-injector serve`
 * replicas share one CA (one caBundle) behind a TCP load balancer that plays the Service
 * (support/balancer.ts: round-robin to replicas whose /readyz is 200, connections pinned, no
 * retry), and the MutatingWebhookConfiguration (failurePolicy Fail, so every failed call is a
 * refused pod) points at the balancer. Pods are created at a steady rate while, one scenario at a
 * time:
 *   (a) a replica is restarted with SIGTERM, and separately with SIGKILL;
 *   (b) both replicas' serving certificates are rotated (kubelet-style atomic Secret swap);
 *   (c) a broken, then a fixed policy directory is swapped in (kubelet-style ConfigMap swap).
 * Refused pods are counted per scenario: zero for (a) SIGTERM, (b) and (c). For SIGKILL the count
 * is reported (docs/reliability.md): the API server does not retry a POST whose connection died.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  apiErrorMessage,
  createNamespace,
  freePort,
  INJECT_LABEL,
  initNames,
  issueWebhookCert,
  podManifest,
  REPO_ROOT,
  ROUTE_LABEL,
  takeUnexpectedExits,
  toKube,
  waitFor,
  type ControlPlane,
} from './harness/index.js';
import { writeAtomicDir } from './harness/atomicdir.js';
import { httpsGet } from './harness/net.js';
import { startChild, stopChild, type Child } from './harness/proc.js';
import { ensureDist } from './harness/webhook.js';
import { busyboxPolicyYaml, getControlPlane, injected, registerAndWait } from './support/fixtures.js';
import { startBalancer, type Balancer } from '../reliability/support/balancer.js';

const POLICY = 'chaos-check';
const policyYaml = (name: string): string => busyboxPolicyYaml(name);
const BROKEN =
  'apiVersion: init-injector.io/v1alpha1\nkind: InjectionPolicy\nmetadata: {name: Broken_Name}\nspec: {initContainers: []}\n';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Pod name counter shared by every scenario (names must stay unique in the one namespace). */
let n = 0;

/** One replica: its own cert (same CA), policies dir and port; restartable on the same port. */
class Replica {
  child: Child | undefined;
  readonly name: string;
  readonly port: number;
  readonly home: string;
  readonly cp: ControlPlane;
  constructor(name: string, port: number, home: string, cp: ControlPlane) {
    this.name = name;
    this.port = port;
    this.home = home;
    this.cp = cp;
  }
  get policiesDir(): string {
    return path.join(this.home, 'policies');
  }
  get tlsDir(): string {
    return path.join(this.home, 'tls');
  }
  async rotateCertificate(): Promise<void> {
    const c = await issueWebhookCert(this.cp.pki.ca);
    await writeAtomicDir(this.tlsDir, { 'tls.crt': c.certPem, 'tls.key': c.keyPem });
  }
  /** /readyz's policies.lastError: the diagnostics of the last failed reload (empty after a good one). */
  async lastPolicyError(): Promise<string[]> {
    const res = await httpsGet(`https://127.0.0.1:${String(this.port)}/readyz`, { ca: this.cp.pki.ca.certPem });
    const body = JSON.parse(res.body) as { policies?: { lastError?: string[] } };
    return body.policies?.lastError ?? [];
  }
  async start(): Promise<void> {
    const args = [
      path.join(REPO_ROOT, 'bin', 'init-injector.js'),
      'serve',
      `--policies=${this.policiesDir}`,
      `--port=${String(this.port)}`,
      `--tls-cert=${path.join(this.tlsDir, 'tls.crt')}`,
      `--tls-key=${path.join(this.tlsDir, 'tls.key')}`,
      '--metrics-port=0',
      `--kubeconfig=${this.cp.kubeconfigPath}`,
    ];
    this.child = startChild(`chaos ${this.name}`, process.execPath, args, path.join(this.home, 'serve.log'));
    const child = this.child;
    await waitFor(
      `${this.name} to serve`,
      () => Promise.resolve(child.tail(50).includes('"listening"') ? true : undefined),
      30_000,
      100,
    );
  }
  /** Sends `signal` to the replica alone and waits for it to exit; returns the exit code. */
  async kill(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | string> {
    const child = this.child!;
    process.kill(child.pid, signal);
    const code = await child.exited;
    // We caused this exit: take it off the harness's list of unexpected exits.
    const unexpected = takeUnexpectedExits();
    assert.ok(
      unexpected.every((line) => line.includes(`chaos ${this.name}`)),
      unexpected.join('\n'),
    );
    return code;
  }
  async stop(): Promise<void> {
    if (this.child !== undefined) await stopChild(this.child, 20_000);
  }
}

interface Outcome {
  readonly at: number;
  readonly ms: number;
  readonly names?: string[];
  readonly error?: string;
}

/** Starts one pod create every `everyMs` (at most `maxInFlight` open), until stopped. */
function steadyLoad(cp: ControlPlane, namespace: string, everyMs: number, maxInFlight: number) {
  const outcomes: Outcome[] = [];
  const pending = new Set<Promise<void>>();
  const tick = setInterval(() => {
    if (pending.size >= maxInFlight) return;
    n += 1;
    const at = Date.now();
    const p = cp.coreApi
      .createNamespacedPod({ namespace, body: toKube(podManifest(`chaos-${String(n)}`)) })
      .then(
        (pod) => {
          outcomes.push({ at, ms: Date.now() - at, names: initNames(pod) });
        },
        (error: unknown) => {
          outcomes.push({ at, ms: Date.now() - at, error: apiErrorMessage(error) });
        },
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  }, everyMs);
  return {
    outcomes,
    stop: async (): Promise<void> => {
      clearInterval(tick);
      await Promise.all([...pending]);
    },
  };
}

/** Counts of one scenario, for the assertion and docs/reliability.md. */
interface Counts {
  scenario: string;
  created: number;
  refused: number;
  notInjected: number;
  errors: string[];
}

function count(scenario: string, outcomes: readonly Outcome[]): Counts {
  const refused = outcomes.filter((o) => o.error !== undefined);
  return {
    scenario,
    created: outcomes.length,
    refused: refused.length,
    notInjected: outcomes.filter((o) => o.names !== undefined && !o.names.includes(POLICY)).length,
    errors: [...new Set(refused.map((o) => (o.error ?? '').replace(/chaos-\d+/g, 'chaos-N').slice(0, 240)))],
  };
}

describe('e2e chaos: two replicas behind one caBundle under steady pod creation', function () {
  this.timeout(300_000);
  let cp: ControlPlane;
  let ns: string;
  let replicas: Replica[] = [];
  let lb: Balancer;
  let unregister: () => Promise<void> = () => Promise.resolve();
  const results: Counts[] = [];

  before(async function () {
    this.timeout(120_000);
    cp = await getControlPlane();
    ensureDist();
    replicas = [];
    for (const name of ['replica-a', 'replica-b']) {
      const home = path.join(cp.dir, 'chaos', name);
      mkdirSync(home, { recursive: true });
      const r = new Replica(name, await freePort(), home, cp);
      await writeAtomicDir(r.policiesDir, { 'check.yaml': policyYaml(POLICY) });
      await r.rotateCertificate();
      await r.start();
      replicas.push(r);
    }
    lb = await startBalancer(
      replicas.map((r) => ({ name: r.name, port: r.port })),
      cp.pki.ca.certPem,
    );
    await waitFor(
      'both replicas ready at the balancer',
      () => Promise.resolve(lb.ready().length === 2 ? true : undefined),
      20_000,
      100,
    );
    ns = await createNamespace(cp, 'chaos', { [ROUTE_LABEL]: 'chaos', [INJECT_LABEL]: 'enabled' });
    unregister = await registerAndWait(
      cp,
      {
        name: 'e2e-chaos',
        url: `https://127.0.0.1:${String(lb.port)}/mutate`,
        caPem: cp.pki.ca.certPem,
        mode: 'opt-in',
        route: 'chaos',
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
      },
      ns,
      injected,
    );
  });

  after(async function () {
    this.timeout(60_000);
    await unregister();
    await (lb as Balancer | undefined)?.stop();
    for (const r of replicas) await r.stop();
    console.log('      chaos counts (pods created / refused / admitted without injection):');
    for (const c of results)
      console.log(
        `        ${c.scenario}: ${String(c.created)} / ${String(c.refused)} / ${String(c.notInjected)}${c.errors.length > 0 ? `  errors: ${c.errors.join(' | ')}` : ''}`,
      );
  });

  /** Runs `action` under load: 1.5 s before, `settleMs` after; returns the scenario's counts. */
  async function underLoad(
    scenario: string,
    action: () => Promise<void>,
    settleMs = 3000,
  ): Promise<Counts & { outcomes: Outcome[] }> {
    const load = steadyLoad(cp, ns, 50, 8);
    try {
      await sleep(1500);
      await action();
      await sleep(settleMs);
    } finally {
      await load.stop();
    }
    const c = count(scenario, load.outcomes);
    results.push(c);
    assert.ok(c.created >= 20, `${scenario}: only ${String(c.created)} pods created`);
    return { ...c, outcomes: load.outcomes };
  }

  it('(a) SIGTERM of one replica, then its restart: no pod refused', async () => {
    const c = await underLoad('(a) SIGTERM + restart', async () => {
      const code = await replicas[0]!.kill('SIGTERM');
      assert.equal(code, 0, `SIGTERM exit code ${String(code)}`);
      await replicas[0]!.start();
      await waitFor(
        'replica-a ready again',
        () => Promise.resolve(lb.ready().includes('replica-a') ? true : undefined),
        20_000,
        100,
      );
    });
    assert.deepEqual([c.refused, c.notInjected, c.errors], [0, 0, []]);
    assert.ok(
      lb.connections()['replica-b']! > 0 && lb.connections()['replica-a']! > 0,
      `balancer spread: ${JSON.stringify(lb.connections())}`,
    );
  });

  it('(a) SIGKILL of one replica, then its restart: counts the refused pods (reported, not required to be zero)', async () => {
    let killedAt = 0;
    let recoveredAt = 0;
    const c = await underLoad('(a) SIGKILL + restart', async () => {
      killedAt = Date.now();
      await replicas[1]!.kill('SIGKILL');
      await sleep(1000);
      await replicas[1]!.start();
      await waitFor(
        'replica-b ready again',
        () => Promise.resolve(lb.ready().includes('replica-b') ? true : undefined),
        20_000,
        100,
      );
      recoveredAt = Date.now();
    });
    const refusedAt = c.outcomes.filter((o) => o.error !== undefined).map((o) => o.at - killedAt);
    console.log(`      SIGKILL: ${String(c.refused)} refused, sent ${refusedAt.join(', ')} ms after the kill`);
    // The damage is confined to the kill: requests sent once the balancer saw the loss all pass.
    assert.deepEqual(
      c.outcomes.filter((o) => o.error !== undefined && o.at > killedAt + 1000),
      [],
      'refusals long after the kill',
    );
    assert.ok(
      c.outcomes.some((o) => o.at > recoveredAt && o.error === undefined),
      'no pod admitted after the restart',
    );
    assert.equal(c.notInjected, 0, 'failurePolicy Fail: no pod may be admitted without the policy');
    // Every refusal must be a failed webhook call (connection reset/refused/EOF), never a denial.
    for (const e of c.errors) assert.match(e, /failed calling webhook/, e);
  });

  it('(b) certificate rotation on both replicas: no pod refused', async () => {
    const c = await underLoad('(b) certificate rotation', async () => {
      for (const r of replicas) await r.rotateCertificate();
      for (const r of replicas) {
        await waitFor(
          `${r.name} to reload its certificate`,
          () => Promise.resolve(r.child!.tail(200).includes('serving certificate reloaded') ? true : undefined),
          20_000,
          100,
        );
      }
    });
    assert.deepEqual([c.refused, c.notInjected, c.errors], [0, 0, []]);
  });

  it('(c) broken then fixed policy directory (ConfigMap-style ..data swap): no pod refused, the good set stays', async () => {
    const c = await underLoad('(c) broken, then fixed policies', async () => {
      for (const r of replicas) await writeAtomicDir(r.policiesDir, { 'check.yaml': BROKEN });
      // proof that each replica read the broken set (and kept the good one): /readyz lastError
      for (const r of replicas)
        await waitFor(
          `${r.name} to see the broken policies`,
          async () => ((await r.lastPolicyError()).length > 0 ? true : undefined),
          20_000,
          100,
        );
      await sleep(1000);
      for (const r of replicas) await writeAtomicDir(r.policiesDir, { 'check.yaml': policyYaml(POLICY) });
      for (const r of replicas)
        await waitFor(
          `${r.name} to load the fixed policies`,
          async () => ((await r.lastPolicyError()).length === 0 ? true : undefined),
          20_000,
          100,
        );
    });
    assert.deepEqual([c.refused, c.notInjected, c.errors], [0, 0, []]);
  });
});
