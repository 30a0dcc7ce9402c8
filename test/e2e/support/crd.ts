/** The InjectionPolicy CRD of deploy/crds/ applied to the run's API server, and removed again. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createNamespace,
  INJECT_LABEL,
  REPO_ROOT,
  ROUTE_LABEL,
  waitFor,
  type ControlPlane,
  type WebhookServer,
} from '../harness/index.js';
import { injected, registerAndWait } from './fixtures.js';

export const CRD = path.join(REPO_ROOT, 'deploy', 'crds', 'injectionpolicies.init-injector.io.yaml');

/** Applies the CRD (or `file`) and waits until it is Established. */
export async function installCrd(cp: ControlPlane, file = CRD): Promise<void> {
  const applied = await cp.kubectl(['apply', '--server-side', '-f', file]);
  assert.equal(applied.code, 0, applied.stderr);
  await waitEstablished(cp);
}

/** Waits until the CRD `name` is Established. */
export async function waitEstablished(cp: ControlPlane, name = 'injectionpolicies.init-injector.io'): Promise<void> {
  // Polled rather than `kubectl wait`, which fails at once while the new CRD has no conditions yet.
  await waitFor(
    `the CRD ${name} to be Established`,
    async () => {
      const r = await cp.kubectl([
        'get',
        `crd/${name}`,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ]);
      if (r.code !== 0) throw new Error(r.stderr);
      return r.stdout === 'True' ? true : undefined;
    },
    60_000,
    200,
  );
}

/** Deletes the CRD and with it every InjectionPolicy. */
export async function removeCrd(cp: ControlPlane): Promise<void> {
  await cp.kubectl(['delete', 'crd', 'injectionpolicies.init-injector.io', '--wait=true', '--ignore-not-found']);
}

/** The shipped init-demo policy as object NAME, injecting example.com/NAME:VERSION. */
export function demoPolicy(name: string, version: string): string {
  return readFileSync(path.join(REPO_ROOT, 'policies', 'init-demo.yaml'), 'utf8')
    .replaceAll('name: init-demo', `name: ${name}`)
    .replace('image: luksa/init-demo:1.0', `image: example.com/${name}:${version}`);
}

/** `policy` with a CEL condition that does not compile: the CRD's schema takes it, the webhook refuses it. */
export function withBrokenCondition(policy: string): string {
  return policy.replace(
    '  mode: Always\n',
    "  mode: Always\n  match:\n    conditions:\n      - name: bad\n        expression: 'object.metadata.name =='\n",
  );
}

/** A new opt-in namespace and a configuration sending its pods to `webhook`, in effect. */
export async function optInTo(
  cp: ControlPlane,
  webhook: WebhookServer,
  route: string,
): Promise<{ ns: string; unregister: () => Promise<void> }> {
  const ns = await createNamespace(cp, route, { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'enabled' });
  const unregister = await registerAndWait(
    cp,
    { name: `e2e-${route}`, url: webhook.url, caPem: cp.pki.ca.certPem, mode: 'opt-in', route },
    ns,
    injected,
  );
  return { ns, unregister };
}
