/**
 * The webhook side of the node scenarios: the shipped policies served by `init-injector serve`,
 * registered in opt-in mode on a route of their own, and namespaces that route to it.
 */
import { createNamespace, INJECT_LABEL, ROUTE_LABEL, type ControlPlane } from '../harness/index.js';
import { getControlPlane, injected, registerAndWait, shippedWebhook } from '../support/fixtures.js';
import { getNode, type Node } from './index.js';

export interface NodeWorld {
  readonly cp: ControlPlane;
  readonly node: Node;
  /** A new opt-in namespace served by the shipped policies (extra labels, e.g. Pod Security). */
  namespace(prefix: string, labels?: Readonly<Record<string, string>>): Promise<string>;
  /** Unregisters the configuration. */
  close(): Promise<void>;
}

/** Starts (or reuses) the node and the shipped webhook; registers configuration `route`. */
export async function nodeWorld(route: string): Promise<NodeWorld> {
  const cp = await getControlPlane();
  const node = await getNode();
  const shipped = await shippedWebhook(cp);
  const labels = { [ROUTE_LABEL]: route, [INJECT_LABEL]: 'enabled' };
  const probe = await createNamespace(cp, `${route}-probe`, labels);
  const unregister = await registerAndWait(
    cp,
    { name: `e2e-${route}`, url: shipped.url, caPem: cp.pki.ca.certPem, mode: 'opt-in', route },
    probe,
    injected,
  );
  return {
    cp,
    node,
    namespace: (prefix, extra = {}) => createNamespace(cp, prefix, { ...labels, ...extra }),
    close: unregister,
  };
}

/** What a suite's tests read once its before hook ran. */
export interface NodeSuiteState {
  world: NodeWorld;
  cp: ControlPlane;
  /** The suite's opt-in namespace (empty when no prefix was given). */
  ns: string;
}

/**
 * Hooks of a node suite: before, the world of configuration `route` (the first suite to ask starts
 * the node) and, with `prefix`, one opt-in namespace; after, the configuration is unregistered.
 */
export function nodeWorldHooks(route: string, prefix?: string): NodeSuiteState {
  const state = { ns: '' } as NodeSuiteState;
  before(async function () {
    this.timeout(0);
    state.world = await nodeWorld(route);
    state.cp = state.world.cp;
    if (prefix !== undefined) state.ns = await state.world.namespace(prefix);
  });
  after(async function () {
    await state.world.close();
  });
  return state;
}
