// Security and availability settings every install must have, checked on every render: both overlays
// and the chart in both modes and with value variations. The consistency test keeps chart and
// overlays equal; this one keeps them right.
import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { selectorMatches, type LabelSelector } from './support/selector.js';
import { MODES, one, renderChart, renderOverlay, type KubeObject } from './support/render.js';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/restrict-plus-operands -- rendered YAML is untyped; each field is checked */
const renders: { what: string; objects: () => KubeObject[] }[] = [];
for (const mode of MODES) {
  renders.push({ what: `kustomize ${mode}`, objects: () => renderOverlay(mode) });
  renders.push({ what: `helm ${mode}`, objects: () => renderChart([`mode=${mode}`]) });
}
renders.push({
  what: 'helm with replicaCount=3, own issuer, digest, existing ConfigMap, preStop 20 s',
  objects: () =>
    renderChart([
      'replicaCount=3',
      'certManager.issuerRef.name=platform-ca',
      'certManager.issuerRef.kind=ClusterIssuer',
      `image.digest=sha256:${'a'.repeat(64)}`,
      'policies.existingConfigMap=my-policies',
      'preStopSleepSeconds=20',
    ]),
});

describe('deploy: hardening of every render', function () {
  this.timeout(60_000);

  for (const r of renders) {
    describe(r.what, () => {
      let objects: KubeObject[];
      let pod: any;
      let container: any;
      before(() => {
        objects = r.objects();
        pod = (one(objects, 'Deployment') as any).spec.template;
        container = pod.spec.containers[0];
      });

      it('runs non-root with a read-only root filesystem, no capabilities, no escalation, seccomp RuntimeDefault', () => {
        strictEqual(pod.spec.securityContext.runAsNonRoot, true);
        strictEqual(pod.spec.securityContext.seccompProfile.type, 'RuntimeDefault');
        ok(pod.spec.securityContext.runAsUser > 0);
        const sc = container.securityContext;
        strictEqual(sc.runAsNonRoot, true);
        strictEqual(sc.readOnlyRootFilesystem, true);
        strictEqual(sc.allowPrivilegeEscalation, false);
        strictEqual(sc.privileged, false);
        deepStrictEqual(sc.capabilities, { drop: ['ALL'] });
        strictEqual(sc.seccompProfile.type, 'RuntimeDefault');
        strictEqual(pod.spec.hostNetwork, undefined);
      });

      it('has requests and limits, probes on /healthz and /readyz over HTTPS, and at least 2 replicas', () => {
        for (const k of ['requests', 'limits']) ok(container.resources[k].cpu && container.resources[k].memory, k);
        strictEqual(container.livenessProbe.httpGet.path, '/healthz');
        strictEqual(container.readinessProbe.httpGet.path, '/readyz');
        strictEqual(container.readinessProbe.httpGet.scheme, 'HTTPS');
        ok((one(objects, 'Deployment') as any).spec.replicas >= 2);
      });

      it('gives the pod longer to terminate than the preStop sleep plus the server drain (5 s) and grace (15 s)', () => {
        const sleep = container.lifecycle.preStop.sleep.seconds;
        ok(sleep > 0 && container.lifecycle.preStop.exec === undefined, 'preStop is a native sleep, no shell');
        ok(pod.spec.terminationGracePeriodSeconds > sleep + 5 + 15, `${pod.spec.terminationGracePeriodSeconds}s`);
      });

      it('may only get, list and watch namespaces', () => {
        deepStrictEqual((one(objects, 'ClusterRole') as any).rules, [
          { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
        ]);
        strictEqual(objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding').length, 0);
        const binding = one(objects, 'ClusterRoleBinding') as any;
        deepStrictEqual(binding.subjects, [
          {
            kind: 'ServiceAccount',
            name: pod.spec.serviceAccountName,
            namespace: one(objects, 'Deployment').metadata.namespace,
          },
        ]);
      });

      it('registers a CREATE-pods-only v1 webhook without side effects, with explicit timeout and failurePolicy', () => {
        const mwc = one(objects, 'MutatingWebhookConfiguration') as any;
        for (const w of mwc.webhooks) {
          deepStrictEqual(w.rules, [
            { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
          ]);
          deepStrictEqual(w.admissionReviewVersions, ['v1']);
          strictEqual(w.sideEffects, 'None');
          strictEqual(w.reinvocationPolicy, 'IfNeeded');
          ok(['Fail', 'Ignore'].includes(w.failurePolicy));
          ok(Number.isInteger(w.timeoutSeconds) && w.timeoutSeconds >= 1 && w.timeoutSeconds <= 30);
          strictEqual(w.clientConfig.service.path, '/mutate');
        }
        const serving = objects.find((o) => o.kind === 'Certificate' && o.metadata.name.endsWith('-serving'))!;
        strictEqual(
          mwc.metadata.annotations['cert-manager.io/inject-ca-from'],
          `${serving.metadata.namespace}/${serving.metadata.name}`,
        );
      });

      it('serves a certificate for <service>.<namespace>.svc with an ECDSA P-256 key, into the mounted Secret', () => {
        const svc = one(objects, 'Service');
        const cert = objects.find((o) => o.kind === 'Certificate' && o.metadata.name.endsWith('-serving')) as any;
        deepStrictEqual(cert.spec.dnsNames, [`${svc.metadata.name}.${svc.metadata.namespace}.svc`]);
        deepStrictEqual(cert.spec.privateKey, { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' });
        const tls = pod.spec.volumes.find((v: any) => v.name === 'tls');
        strictEqual(tls.secret.secretName, cert.spec.secretName);
      });

      it('exposes 443 -> https (8443) and the metrics port, selecting the webhook pods', () => {
        const svc = one(objects, 'Service') as any;
        ok(selectorMatches({ matchLabels: svc.spec.selector }, pod.metadata.labels));
        const https = svc.spec.ports.find((p: any) => p.port === 443);
        strictEqual(https.targetPort, 'https');
        strictEqual(container.ports.find((p: any) => p.name === 'https').containerPort, 8443);
        ok(svc.spec.ports.some((p: any) => p.name === 'metrics'));
        const pdb = one(objects, 'PodDisruptionBudget') as any;
        ok(selectorMatches(pdb.spec.selector as LabelSelector, pod.metadata.labels));
      });

      it('lets anyone reach the admission port but only selected peers reach metrics', () => {
        const np = one(objects, 'NetworkPolicy') as any;
        ok(selectorMatches(np.spec.podSelector as LabelSelector, pod.metadata.labels));
        const admission = np.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 8443));
        strictEqual(admission.from, undefined);
        const metrics = np.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 9090));
        ok(Array.isArray(metrics.from) && metrics.from.length > 0);
        ok(
          np.spec.ingress.every((r: any) => r === admission || r === metrics),
          'no other ingress rule',
        );
      });
    });
  }
});
