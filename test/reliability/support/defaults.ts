/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes, but Kubernetes objects here are plain JSON as on the wire (src/kube/wire.ts). */
/**
 * The defaults kube-apiserver fills into a Pod when it decodes it (pkg/apis/core/v1/defaults.go),
 * for the fields our generators produce. On reinvocation (reinvocationPolicy: IfNeeded) the webhook
 * sees its own injected containers with these defaults added, so idempotence must hold against the
 * defaulted pod too, not only against the engine's own output.
 */
import type { Container, Pod } from '../../../src/kube/wire.js';
import { cloneJson } from './rfc6902.js';

function defaultContainer(c: Container): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.imagePullPolicy ??=
    c.image === undefined || c.image.endsWith(':latest') || !/[:@]/.test(c.image.split('/').pop() ?? '')
      ? 'Always'
      : 'IfNotPresent';
  c.resources ??= {};
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
}

/** A copy of `pod` with the API server's decoding defaults applied. */
export function withApiServerDefaults(pod: Pod): Pod {
  const p = cloneJson(pod);
  const spec = p.spec;
  if (spec === undefined) return p;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  for (const c of [...((spec.containers as Container[] | undefined) ?? []), ...(spec.initContainers ?? [])])
    defaultContainer(c);
  for (const v of spec.volumes ?? []) {
    if (v.configMap) v.configMap.defaultMode ??= 420;
    if (v.secret) v.secret.defaultMode ??= 420;
  }
  return p;
}
