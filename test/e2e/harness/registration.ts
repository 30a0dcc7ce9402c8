/**
 * MutatingWebhookConfigurations as deploy/ and docs/install.md describe them (opt-in or
 * cluster-wide namespaceSelector, objectSelector opt-out, matchConditions for the opt-out
 * annotation, reinvocationPolicy IfNeeded, sideEffects None), in URL mode with a caBundle, because
 * the webhook runs on loopback rather than behind a Service. Each configuration also requires the
 * namespace label ROUTE_LABEL=<route>: several configurations share one API server, and a test's
 * namespace must reach exactly the configuration the test is about. The production selector is
 * still what decides inside that route (an unlabelled namespace with the right route is not
 * selected).
 */
import type {
  V1MutatingWebhookConfiguration,
  V1LabelSelectorRequirement,
  V1MatchCondition,
} from '@kubernetes/client-node';
import type { ControlPlane } from './controlplane.js';
import { toKube, type Plain } from './plain.js';

/** Namespace label that routes a test namespace to one configuration. */
export const ROUTE_LABEL = 'e2e.init-injector.io/route';
/** Opt-in / opt-out label on namespaces and pods (docs/install.md). */
export const INJECT_LABEL = 'init-injector.io/inject';
/** Namespaces a configuration may never select. */
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'] as const;

/** The CEL condition that skips pods annotated `init-injector.io/inject: "false"` without a call. */
export const OPT_OUT_CONDITION: Plain<V1MatchCondition> = {
  name: 'skip-opted-out-pods',
  expression:
    "!has(object.metadata.annotations) || !('init-injector.io/inject' in object.metadata.annotations) || object.metadata.annotations['init-injector.io/inject'] != 'false'",
};

/** How one configuration is shaped. */
export interface RegistrationOptions {
  /** Configuration name; the API server calls configurations in name order. */
  readonly name: string;
  readonly url: string;
  /** PEM of the CA that signed the webhook's serving certificate. */
  readonly caPem: string;
  readonly mode: 'opt-in' | 'cluster-wide';
  readonly route: string;
  readonly failurePolicy?: 'Fail' | 'Ignore';
  readonly timeoutSeconds?: number;
  /** Default true: skip opted-out pods in the API server (matchConditions), as deploy/ does. */
  readonly skipOptOutAnnotation?: boolean;
  /** Webhook name inside the configuration (default inject.init-injector.io). */
  readonly webhookName?: string;
}

/** Builds the configuration object. */
export function webhookConfiguration(options: RegistrationOptions): Plain<V1MutatingWebhookConfiguration> {
  const route: Plain<V1LabelSelectorRequirement> = { key: ROUTE_LABEL, operator: 'In', values: [options.route] };
  const namespaceSelector =
    options.mode === 'opt-in'
      ? { matchLabels: { [INJECT_LABEL]: 'enabled' }, matchExpressions: [route] }
      : {
          matchExpressions: [
            { key: INJECT_LABEL, operator: 'NotIn', values: ['disabled'] },
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...SYSTEM_NAMESPACES] },
            route,
          ],
        };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: options.name },
    webhooks: [
      {
        name: options.webhookName ?? 'inject.init-injector.io',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: options.failurePolicy ?? 'Fail',
        timeoutSeconds: options.timeoutSeconds ?? 10,
        reinvocationPolicy: 'IfNeeded',
        clientConfig: { url: options.url, caBundle: Buffer.from(options.caPem).toString('base64') },
        rules: [
          { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
        ],
        namespaceSelector,
        objectSelector: { matchExpressions: [{ key: INJECT_LABEL, operator: 'NotIn', values: ['disabled'] }] },
        ...(options.skipOptOutAnnotation === false ? {} : { matchConditions: [OPT_OUT_CONDITION] }),
      },
    ],
  };
}

/** Creates (or replaces) a configuration; returns a function that deletes it. */
export async function registerWebhook(
  cp: ControlPlane,
  body: Plain<V1MutatingWebhookConfiguration>,
): Promise<() => Promise<void>> {
  const name = body.metadata?.name ?? '';
  await cp.admissionApi.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
  await cp.admissionApi.createMutatingWebhookConfiguration({ body: toKube(body) });
  return async () => {
    await cp.admissionApi.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
  };
}
