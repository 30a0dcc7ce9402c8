/**
 * deploy/ against the real kube-apiserver: every object of both kustomize overlays and of the Helm
 * chart (both modes, and with its optional settings) passes `kubectl apply --dry-run=server
 * --validate=strict`, with cert-manager's CRDs installed from its Go module. Strict validation makes
 * the API server reject unknown or duplicate fields, so this checks every object against the server's
 * own OpenAPI schema (and the CRDs' schemas), plus the admission chain (RBAC escalation checks, webhook
 * configuration validation: timeoutSeconds range, sideEffects, matchConditions CEL compilation).
 * With policies as objects (the chart's policySource=crd, the crd-source component) the
 * InjectionPolicy CRD is applied for real first, as `helm install` applies a chart's crds/, and the
 * policies, RBAC and Lease rights are dry-run against it. Nothing is persisted except the CRDs (the
 * InjectionPolicy one is removed again) and the two install namespaces.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getControlPlane, type ControlPlane, type KubectlResult } from './harness/index.js';
import { certManagerCrdFiles, CERT_MANAGER_VERSION } from '../deploy/support/cert-manager.js';
import {
  MODES,
  renderChart,
  renderChartWithCrds,
  renderKustomize,
  renderOverlay,
  type KubeObject,
} from '../deploy/support/render.js';
import { removeCrd, waitEstablished } from './support/crd.js';

const PSS_RESTRICTED = ['pod-security.kubernetes.io/warn=restricted', 'pod-security.kubernetes.io/warn-version=latest'];
const CRDS = ['certificates', 'certificaterequests', 'issuers', 'clusterissuers'].map(
  (r) => `crd/${r}.cert-manager.io`,
);

const renders: { what: string; objects: () => KubeObject[] }[] = [
  ...MODES.map((mode) => ({ what: `kustomize overlay ${mode}`, objects: () => renderOverlay(mode) })),
  {
    what: 'kustomize overlay opt-in with the skip-opted-out component',
    objects: () => renderKustomize('test/deploy/testdata/opt-in-skip-opted-out'),
  },
  {
    what: 'kustomize overlay opt-in with the crd-source component',
    objects: () => renderKustomize('test/deploy/testdata/opt-in-crd-source'),
  },
  ...MODES.map((mode) => ({ what: `helm chart mode=${mode}`, objects: () => renderChart([`mode=${mode}`]) })),
  {
    what: 'helm chart policySource=crd, with its crds/',
    objects: () => renderChartWithCrds(['mode=cluster-wide', 'policySource=crd']),
  },
  {
    what: 'helm chart in namespace platform-hooks with its own ClusterIssuer, digest, matchConditions, priority class',
    objects: () =>
      renderChart(
        [
          'mode=cluster-wide',
          'certManager.issuerRef.name=platform-ca',
          'certManager.issuerRef.kind=ClusterIssuer',
          `image.digest=sha256:${'c'.repeat(64)}`,
          'webhook.skipOptedOutPods=true',
          'policies.bundled=false',
          'policies.inline.empty\\.yaml=# no policies yet',
          'priorityClassName=system-cluster-critical',
          'webhook.excludeNamespaces={cert-manager}',
        ],
        'platform-hooks',
        'hooks-init-injector',
      ),
  },
];

/** Multi-document YAML of JSON documents (YAML is a superset of JSON): exact, no re-quoting questions. */
function toStream(objects: readonly KubeObject[]): string {
  return objects.map((o) => `---\n${JSON.stringify(o)}\n`).join('');
}

async function mustKubectl(cp: ControlPlane, args: readonly string[], stdin?: string): Promise<KubectlResult> {
  const r = await cp.kubectl(args, stdin);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

describe('e2e: deploy/ passes server-side dry-run against the real API server', function () {
  this.timeout(300_000);
  let cp: ControlPlane;

  before(async function () {
    cp = await getControlPlane();
    for (const file of certManagerCrdFiles()) {
      await mustKubectl(cp, ['apply', '--server-side', '--force-conflicts', '-f', '-'], readFileSync(file, 'utf8'));
    }
    await mustKubectl(cp, ['wait', '--for=condition=Established', '--timeout=60s', ...CRDS]);
    // Namespaced objects cannot be dry-run into a namespace that does not exist. The namespaces warn
    // on the restricted Pod Security Standard, so PodSecurity admission reviews the pod templates.
    for (const ns of ['init-injector', 'platform-hooks']) {
      const r = await cp.kubectl(['create', 'namespace', ns, '--save-config']);
      assert.ok(r.code === 0 || r.stderr.includes('AlreadyExists'), r.stderr);
      await mustKubectl(cp, ['label', 'namespace', ns, '--overwrite', ...PSS_RESTRICTED]);
    }
  });

  after(async function () {
    await removeCrd(cp);
  });

  for (const r of renders) {
    it(`${r.what}: every object is accepted (cert-manager ${CERT_MANAGER_VERSION} CRDs)`, async () => {
      const all = r.objects();
      // A CRD must exist before its objects can be dry-run: apply it for real, as helm install does.
      const crds = all.filter((o) => o.kind === 'CustomResourceDefinition');
      for (const crd of crds) {
        await mustKubectl(cp, ['apply', '--server-side', '--validate=strict', '-f', '-'], toStream([crd]));
        await waitEstablished(cp, crd.metadata.name);
      }
      const objects = all.filter((o) => o.kind !== 'CustomResourceDefinition');
      const { stdout: out, stderr } = await mustKubectl(
        cp,
        ['apply', '--dry-run=server', '--validate=strict', '-f', '-'],
        toStream(objects),
      );
      // No admission warning at all: in particular none from PodSecurity (restricted).
      assert.equal(stderr.trim(), '', `kubectl warned:\n${stderr}`);
      const accepted = out.split('\n').filter((l) => l.endsWith('(server dry run)'));
      assert.equal(accepted.length, objects.length, `kubectl reported:\n${out}`);
      for (const o of objects) {
        // kubectl prints kind[.group]/name, e.g. `deployment.apps/init-injector created (server dry run)`.
        const line = new RegExp(
          `^${o.kind.toLowerCase()}(\\.[a-z0-9.-]+)?/${o.metadata.name} (created|configured|unchanged) `,
        );
        assert.ok(
          accepted.some((l) => line.test(l)),
          `${o.kind} ${o.metadata.name} missing from:\n${out}`,
        );
      }
    });
  }

  // The same command must be able to fail, or the passes above prove nothing.
  const broken: { what: string; edit: (objects: KubeObject[]) => void; message: RegExp }[] = [
    {
      what: 'a webhook timeoutSeconds of 31',
      edit: (objects) => {
        const mwc = objects.find((o) => o.kind === 'MutatingWebhookConfiguration') as unknown as {
          webhooks: { timeoutSeconds: number }[];
        };
        mwc.webhooks[0]!.timeoutSeconds = 31;
      },
      message: /timeoutSeconds/,
    },
    {
      what: 'an unknown field in the Deployment (strict validation)',
      edit: (objects) => {
        const d = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: Record<string, unknown> };
        d.spec['replica'] = 2;
      },
      message: /unknown field "spec\.replica"/,
    },
    {
      what: 'a Certificate private key algorithm the cert-manager CRD does not allow',
      edit: (objects) => {
        const c = objects.find((o) => o.kind === 'Certificate') as unknown as {
          spec: { privateKey: { algorithm: string } };
        };
        c.spec.privateKey.algorithm = 'DSA';
      },
      message: /spec\.privateKey\.algorithm/,
    },
  ];
  it('PodSecurity admission warns about a pod template that breaks the restricted standard', async () => {
    const objects = renderOverlay('opt-in').filter((o) => o.kind === 'Deployment');
    const d = objects[0] as unknown as { spec: { template: { spec: { containers: { securityContext: object }[] } } } };
    d.spec.template.spec.containers[0]!.securityContext = { privileged: true };
    const r = await mustKubectl(cp, ['apply', '--dry-run=server', '-f', '-'], toStream(objects));
    assert.match(r.stderr, /would violate PodSecurity "restricted:latest"/);
  });

  for (const b of broken) {
    it(`rejects ${b.what}`, async () => {
      const objects = renderOverlay('opt-in');
      b.edit(objects);
      const r = await cp.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], toStream(objects));
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, b.message);
    });
  }
});
