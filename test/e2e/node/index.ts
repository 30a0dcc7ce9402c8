/**
 * The real node of the end-to-end run, for the node scenarios (test/e2e/node/*.test.ts):
 * - `nodeSuite(title, fn)`: a describe block that runs only where the node can (root, cgroups,
 *   Debian's containerd/runc/CNI/busybox); elsewhere one line says why, and under
 *   INIT_INJECTOR_REQUIRE_E2E=1 (CI) loading the file fails instead.
 * - `getNode()`: the node, started on first call beside the shared control plane; stopped by the root
 *   after-all hook (`stopNode`), which fails the run if a process, mount, network namespace, bridge or
 *   cgroup of it is left.
 */
import { getControlPlane } from '../harness/index.js';
import { startNode, type Node } from './node.js';
import { nodeUnsupported } from './support.js';

export { NODE_IP, NODE_NAME, NODE_TAINT, POD_SUBNET, type Node } from './node.js';
export { BUSYBOX_IMAGE } from './images.js';

let shared: Promise<Node> | undefined;
let said = false;

/** The node of this run (started on first call). */
export function getNode(): Promise<Node> {
  shared ??= getControlPlane().then((cp) => startNode(cp));
  return shared;
}

/** Stops the node if it was started (root after-all hook, before the control plane). */
export async function stopNode(): Promise<void> {
  if (shared === undefined) return;
  const node = await shared.catch(() => undefined);
  shared = undefined;
  await node?.stop();
}

/** `describe` for scenarios that need the node; see the module comment. */
export function nodeSuite(title: string, fn: (this: Mocha.Suite) => void): void {
  const why = nodeUnsupported();
  if (why === undefined) {
    describe(title, fn);
    return;
  }
  if (process.env['INIT_INJECTOR_REQUIRE_E2E'] === '1') {
    throw new Error(`e2e node scenarios cannot run: ${why}, and INIT_INJECTOR_REQUIRE_E2E=1`);
  }
  if (!said) console.log(`e2e node scenarios not run: ${why}`);
  said = true;
}
