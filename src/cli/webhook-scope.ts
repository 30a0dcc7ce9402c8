/**
 * Which pods the webhook never sees: the rendered MutatingWebhookConfiguration (Helm chart and
 * kustomize alike, docs/install.md) selects them in the API server, before any policy runs. The
 * offline preview applies the same rules, so that `helm template … | init-injector inject -f -`
 * does not inject into init-injector's own Deployment or into kube-system.
 */
import type { Labels } from '../engine/types.js';
import type { Pod } from '../kube/wire.js';

/** The label, on a namespace or a pod, that the configuration's selectors read. */
export const INJECT_LABEL = 'init-injector.io/inject';

/** Namespaces the configuration never selects, in either mode (the install namespace is another). */
export const NEVER_SELECTED: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/** The two modes of the chart: which namespaces the configuration selects. */
export const MODES = ['opt-in', 'cluster-wide'] as const;
export type Mode = (typeof MODES)[number];
export const isMode = (value: string): value is Mode => (MODES as readonly string[]).includes(value);

/**
 * Why the API server would never send this pod to the webhook, or undefined when it would. Without
 * a mode, the namespace rule of the mode is not checked: the namespace counts as selected.
 */
export function outOfScope(pod: Pod, namespace: string, labels: Labels, mode: Mode | undefined): string | undefined {
  if (pod.metadata?.labels?.[INJECT_LABEL] === 'disabled')
    return `its pod label ${INJECT_LABEL}=disabled: the webhook's objectSelector never sends such a pod`;
  if (NEVER_SELECTED.includes(namespace))
    return `namespace ${namespace} is never selected by the webhook configuration`;
  if (mode === 'opt-in' && labels[INJECT_LABEL] !== 'enabled')
    return `namespace ${namespace} lacks the label ${INJECT_LABEL}=enabled, which mode opt-in selects (give it with --namespace-labels)`;
  if (mode === 'cluster-wide' && labels[INJECT_LABEL] === 'disabled')
    return `namespace ${namespace} has the label ${INJECT_LABEL}=disabled, which mode cluster-wide leaves out`;
  return undefined;
}
