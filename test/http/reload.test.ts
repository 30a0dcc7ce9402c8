import { deepStrictEqual, match, ok, strictEqual } from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import type { RunningServer } from '../../src/server/serve.js';
import { admit, mintPair, SecretDir, send, sleep, startInProcess } from './serve-support.js';
import { aPod, policyYaml, reviewFor, selectorPolicyYaml, tmp } from './support.js';

const BROKEN = `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata:
  name: second
spec:
  mode: Sometimes
  initContainers:
    - name: second
      image: busybox:1.36
`;

interface Readyz {
  ready: boolean;
  policies: { count: number; lastError: string[] };
  namespaces: { source: string; synced: boolean; count: number; lastError?: string };
}

async function readyz(port: number, ca: string[]): Promise<Readyz> {
  return JSON.parse((await send(port, { path: '/readyz', method: 'GET', agent: false, ca })).body) as Readyz;
}

async function until<T>(what: string, probe: () => Promise<T>, okay: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (okay(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await sleep(100);
  }
}

describe('serve: hot reload of policies and namespace labels while requests flow', function () {
  this.timeout(120_000);
  let running: RunningServer;
  let ca: string[];
  let root: string;
  let policies: string;
  let nsFile: string;

  before(async () => {
    root = tmp('ii-reload-');
    policies = join(root, 'policies');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(policies);
    writeFileSync(join(policies, 'net.yaml'), policyYaml('network-check'));
    writeFileSync(join(policies, 'backend.yaml'), selectorPolicyYaml('backend-only'));
    nsFile = join(root, 'namespaces.yaml');
    writeFileSync(nsFile, 'payments: {tier: backend}\nweb: {tier: frontend}\n');
    const { ca: authority, pair } = await mintPair();
    ca = [authority.certPem];
    const secret = new SecretDir(join(root, 'secret'));
    secret.write(pair);
    running = await startInProcess(
      [
        '--policies',
        policies,
        '--tls-cert',
        secret.certPath,
        '--tls-key',
        secret.keyPath,
        '--namespace-labels',
        nsFile,
      ],
      root,
    );
  });
  after(async () => {
    await running.shutdown('test');
  });

  it('keeps serving the old set through a broken file, names file:line in /readyz, and applies the fixed file', async () => {
    const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
    let sent = 0;
    let failures = 0;
    let withSecond = 0;
    let stop = false;
    const loops = agents.map(async (agent) => {
      while (!stop) {
        sent += 1;
        try {
          const { ops } = await admit(running.port, agent, ca);
          if (!ops.includes('network-check')) failures += 1; // the old set must keep applying
          if (ops.includes('"second"')) withSecond += 1;
        } catch {
          failures += 1;
        }
      }
    });
    await sleep(300);
    writeFileSync(join(policies, 'second.yaml'), BROKEN);
    const broken = await until(
      'the failed reload in /readyz',
      () => readyz(running.port, ca),
      (r) => r.policies.lastError.length > 0,
    );
    strictEqual(broken.ready, true, 'a failed reload does not make the pod unready: the old set serves');
    match(broken.policies.lastError.join('\n'), /second\.yaml:6: spec\.mode/);
    strictEqual(broken.policies.count, 2);
    await sleep(300);
    const sentWhileBroken = sent;
    strictEqual(withSecond, 0);
    writeFileSync(join(policies, 'second.yaml'), BROKEN.replace('  mode: Sometimes\n', ''));
    const fixed = await until(
      'the fixed set',
      () => readyz(running.port, ca),
      (r) => r.policies.count === 3,
    );
    deepStrictEqual(fixed.policies.lastError, []);
    const { ops } = await admit(running.port, false, ca);
    ok(ops.includes('"second"'), ops);
    await sleep(200);
    stop = true;
    await Promise.all(loops);
    for (const a of agents) a.destroy();
    console.log(`      reload: ${sent} requests (${sentWhileBroken} until the fix was written), ${failures} failures`);
    strictEqual(failures, 0);
    ok(sent > 20, `only ${sent} requests`);
    const metrics = (await send(running.port, { path: '/metrics', method: 'GET', agent: false, ca })).body;
    match(metrics, /init_injector_policy_reloads_total\{result="failure"\} [1-9]/);
    match(metrics, /init_injector_policy_reloads_total\{result="success"\} [1-9]/);
    match(metrics, /init_injector_policies_loaded 3/);
  });

  it('matches namespaceSelector from the --namespace-labels file, and re-reads it when it changes', async () => {
    const inNs = async (ns: string): Promise<string> =>
      (await admit(running.port, false, ca, reviewFor(aPod(), { namespace: ns }))).ops;
    ok((await inNs('payments')).includes('backend-only'));
    ok(!(await inNs('web')).includes('backend-only'));
    ok(!(await inNs('unknown')).includes('backend-only'));
    writeFileSync(nsFile, 'payments: {tier: backend}\nweb: {tier: backend}\n');
    await until(
      'web relabelled',
      () => inNs('web'),
      (ops) => ops.includes('backend-only'),
      20_000,
    );
    const r = await readyz(running.port, ca);
    deepStrictEqual(r.namespaces, { source: 'file', synced: true, count: 2 });
    writeFileSync(nsFile, 'payments: [not, a, map]\n');
    const bad = await until(
      'the bad file reported',
      () => readyz(running.port, ca),
      (x) => x.namespaces.lastError !== undefined,
      20_000,
    );
    match(bad.namespaces.lastError ?? '', /namespaces\.yaml: payments: expected a map of label name to value/);
    ok((await inNs('web')).includes('backend-only'), 'the last good labels stay in use');
  });
});
