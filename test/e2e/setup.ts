/**
 * Root hooks of the end-to-end run (loaded by .mocharc.e2e.cjs): start ONE control plane before any
 * suite, stop it after all of them, and prove that no process of ours survived.
 */
import { spawnSync } from 'node:child_process';
import type { Context } from 'mocha';
import { ensureDist, getControlPlane, liveChildren, stopControlPlane, takeUnexpectedExits } from './harness/index.js';
import { stopNode } from './node/index.js';

let workDir = '';

/** Mocha root hook plugin. */
export const mochaHooks = {
  async beforeAll(this: Context): Promise<void> {
    this.timeout(0); // a cold run builds the Kubernetes binaries first (tens of minutes)
    ensureDist(); // `init-injector serve` runs from dist/, as in production
    const cp = await getControlPlane();
    workDir = cp.dir;
    console.log(`e2e: Kubernetes ${cp.version} control plane ready in ${String(cp.startMs)} ms (${cp.serverUrl})`);
  },
  afterEach(): void {
    // A webhook or control-plane process that died mid-test explains the failure better than a timeout.
    const exits = takeUnexpectedExits();
    if (exits.length > 0) throw new Error(exits.join('\n\n'));
  },
  async afterAll(this: Context): Promise<void> {
    this.timeout(180_000);
    // The node first: its kubelet confirms each pod's end to the API server, then the control plane.
    let nodeError: Error | undefined;
    await stopNode().catch((error: unknown) => (nodeError = error instanceof Error ? error : new Error(String(error))));
    await stopControlPlane();
    if (nodeError !== undefined) throw nodeError;
    const survivors = liveChildren();
    // Every child's command line names the run's work dir; pgrep finds any grandchild we lost track of.
    const pgrep = workDir === '' ? '' : spawnSync('pgrep', ['-af', workDir], { encoding: 'utf8' }).stdout.trim();
    if (survivors.length > 0 || pgrep !== '') {
      throw new Error(`processes survived teardown: ${JSON.stringify(survivors)} ${pgrep}`);
    }
  },
};
