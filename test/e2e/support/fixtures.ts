/**
 * Webhook processes shared by the scenarios: one `serve` with the shipped policies (policies/) and
 * one with the end-to-end test policies (test/e2e/policies/: a required policy, an optional one, two
 * OnRequest ones). Each scenario registers its own configuration (own route) against them.
 */
import path from 'node:path';
import { dump } from 'js-yaml';
import type { V1Pod } from '@kubernetes/client-node';
import {
  apiErrorMessage,
  dryRunPod,
  initNames,
  getControlPlane,
  podManifest,
  readPolicyDir,
  registerWebhook,
  REPO_ROOT,
  startTrackedWebhook,
  waitFor,
  webhookConfiguration,
  type ControlPlane,
  type RegistrationOptions,
  type WebhookServer,
} from '../harness/index.js';
import { SHIPPED_POLICIES_DIR } from './policies.js';

/** Directory of the end-to-end test policies. */
export const TEST_POLICIES_DIR = path.join(REPO_ROOT, 'test', 'e2e', 'policies');

const started = new Map<string, Promise<WebhookServer>>();

function memo(name: string, start: () => Promise<WebhookServer>): Promise<WebhookServer> {
  let server = started.get(name);
  if (server === undefined) {
    server = start();
    started.set(name, server);
  }
  return server;
}

/** `serve` with the shipped policies. */
export function shippedWebhook(cp: ControlPlane): Promise<WebhookServer> {
  return memo('shipped', () => startTrackedWebhook(cp, 'shipped', readPolicyDir(SHIPPED_POLICIES_DIR)));
}

/** `serve` with test/e2e/policies. */
export function testPoliciesWebhook(cp: ControlPlane): Promise<WebhookServer> {
  return memo('test-policies', () => startTrackedWebhook(cp, 'test-policies', readPolicyDir(TEST_POLICIES_DIR)));
}

/** The shared control plane (started by the root hook). */
export { getControlPlane };

/**
 * Registers a configuration and waits until the API server applies it: a dry-run pod create in
 * `probeNamespace` (selected by the configuration) until `effective(result)` holds.
 */
export async function registerAndWait(
  cp: ControlPlane,
  options: RegistrationOptions,
  probeNamespace: string,
  effective: (result: { pod?: V1Pod; error?: unknown }) => boolean,
): Promise<() => Promise<void>> {
  const unregister = await registerWebhook(cp, webhookConfiguration(options));
  await waitFor(
    `configuration ${options.name} to take effect`,
    async () => {
      let result: { pod?: V1Pod; error?: unknown };
      let seen: string;
      try {
        const pod = await dryRunPod(cp, probeNamespace, podManifest('probe'));
        result = { pod };
        seen = `admitted with init containers [${initNames(pod).join(', ')}]`;
      } catch (error) {
        result = { error };
        seen = `refused: ${apiErrorMessage(error)}`;
      }
      if (effective(result)) return true;
      throw new Error(`the last dry-run pod create was ${seen}`);
    },
    20_000,
    200,
  );
  return unregister;
}

/** The effectiveness check for our webhook: the dry-run pod came back with the injected annotation. */
export function injected(result: { pod?: V1Pod }): boolean {
  return result.pod?.metadata?.annotations?.['init-injector.io/injected'] !== undefined;
}

/**
 * A one-container test policy (a restricted busybox `true`), as YAML: the policy the reload and
 * chaos scenarios swap in while pods are being created. `priority` is written only when given.
 */
export function busyboxPolicyYaml(name: string, priority?: number): string {
  return dump({
    apiVersion: 'init-injector.io/v1alpha1',
    kind: 'InjectionPolicy',
    metadata: { name },
    spec: {
      ...(priority === undefined ? {} : { priority }),
      initContainers: [
        {
          name,
          image: 'busybox:1.37.0',
          command: ['true'],
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          },
          resources: { requests: { cpu: '5m', memory: '8Mi' }, limits: { cpu: '10m', memory: '16Mi' } },
        },
      ],
    },
  });
}
