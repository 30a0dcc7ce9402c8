/**
 * The operating system a pod runs on, as far as the pod says it. The API server validates a pod
 * with `spec.os.name: windows` as a Windows pod (Linux-only securityContext fields are refused, for
 * the pod and for every container in it), and the scheduler places a pod on the nodes its
 * `kubernetes.io/os` node label selects. A Linux init container in a Windows pod is either refused
 * with the pod or can never start, so a policy applies only to the operating systems it names.
 */
import type { Pod } from '../kube/wire.js';
import { OperatingSystem } from './types.js';

/** The well-known node label every kubelet sets to its GOOS. */
export const OS_LABEL = 'kubernetes.io/os';

/** What a pod targets and where that came from, for the skip detail. */
export interface PodOs {
  readonly name: string;
  /** The field that said so, or undefined for the default (Linux). */
  readonly from?: string;
}

interface Requirement {
  key?: string;
  operator?: string;
  values?: string[] | null;
}

/** Whether one node-selector term can only select nodes of operating system `os`. */
function termOnly(term: { matchExpressions?: Requirement[] | null } | null, os: string): boolean {
  const list = Array.isArray(term?.matchExpressions) ? term.matchExpressions : [];
  return list.some((r) => {
    if (r.key !== OS_LABEL) return false;
    const values = Array.isArray(r.values) ? r.values : [];
    return r.operator === 'In' && values.length > 0 && values.every((v) => v === os);
  });
}

/**
 * The pod's operating system: `spec.os.name` when set; else the value of a `kubernetes.io/os`
 * nodeSelector; else `windows` when every required node-affinity term selects
 * `kubernetes.io/os In [windows]`; else Linux, the operating system of a pod that says nothing.
 */
export function podOs(pod: Pod): PodOs {
  const spec = pod.spec;
  const declared = spec?.os?.name;
  if (typeof declared === 'string' && declared !== '') return { name: declared, from: 'spec.os.name' };
  const selected = spec?.nodeSelector?.[OS_LABEL];
  if (typeof selected === 'string' && selected !== '') return { name: selected, from: `nodeSelector ${OS_LABEL}` };
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = Array.isArray(required?.nodeSelectorTerms) ? required.nodeSelectorTerms : [];
  if (terms.length > 0 && terms.every((t) => termOnly(t, OperatingSystem.Windows)))
    return { name: OperatingSystem.Windows, from: `required node affinity on ${OS_LABEL}` };
  return { name: OperatingSystem.Linux };
}
