/** The InjectionPolicy CRD of deploy/crds/ applied to the run's API server, and removed again. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT, waitFor, type ControlPlane } from '../harness/index.js';

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
