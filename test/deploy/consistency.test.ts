// The Helm chart and the kustomize overlays are two spellings of one install. For each mode, every
// object the chart renders must equal the overlay's, field by field, apart from tool-specific labels
// (support/normalize.ts). The overlays also create the Namespace; Helm leaves that to --create-namespace.
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalize, objectKey } from './support/normalize.js';
import {
  MODES,
  renderChart,
  renderChartWithCrds,
  renderKustomize,
  renderOverlay,
  ROOT,
  type KubeObject,
} from './support/render.js';

function byKey(objects: readonly KubeObject[]): Map<string, KubeObject> {
  return new Map(objects.map((o) => [objectKey(o), normalize(o)]));
}

describe('deploy: the Helm chart and the kustomize overlays agree', function () {
  this.timeout(120_000);

  for (const mode of MODES) {
    describe(`${mode} mode`, () => {
      const overlay = () => byKey(renderOverlay(mode).filter((o) => o.kind !== 'Namespace'));
      const chart = () => byKey(renderChart([`mode=${mode}`]));

      it('renders the same set of objects (kind, namespace, name)', () => {
        deepStrictEqual([...chart().keys()].sort(), [...overlay().keys()].sort());
      });

      it('renders every object identically apart from tool-specific labels', () => {
        const o = overlay();
        for (const [key, fromChart] of chart()) deepStrictEqual(fromChart, o.get(key), `${key} differs`);
      });
    });
  }

  it('the overlays differ only in the namespace selection, failurePolicy and timeoutSeconds', () => {
    const strip = (objects: KubeObject[]) =>
      objects.map((o) => {
        if (o.kind !== 'MutatingWebhookConfiguration') return o;
        const w = structuredClone(o) as KubeObject & { webhooks: Record<string, unknown>[] };
        for (const hook of w.webhooks) {
          delete hook['failurePolicy'];
          delete hook['timeoutSeconds'];
          const sel = hook['namespaceSelector'] as { matchExpressions: { key: string }[] };
          sel.matchExpressions = sel.matchExpressions.filter((r) => r.key !== 'init-injector.io/inject');
        }
        return w;
      });
    deepStrictEqual(strip(renderOverlay('cluster-wide')), strip(renderOverlay('opt-in')));
  });

  it('the namespace-refs replacements are identical in both overlays', () => {
    const read = (mode: string) =>
      readFileSync(join(ROOT, 'deploy/kustomize/overlays', mode, 'namespace-refs.yaml'), 'utf8');
    deepStrictEqual(read('cluster-wide'), read('opt-in'));
  });

  it('the skip-opted-out component and skipOptedOutPods=true add the same matchConditions', () => {
    const dir = join('test', 'deploy', 'testdata', 'opt-in-skip-opted-out');
    const fromKustomize = byKey(renderKustomize(dir).filter((o) => o.kind !== 'Namespace'));
    const fromChart = byKey(renderChart(['mode=opt-in', 'webhook.skipOptedOutPods=true']));
    const key = 'MutatingWebhookConfiguration//init-injector';
    ok(JSON.stringify(fromChart.get(key)).includes('matchConditions'), 'chart renders matchConditions');
    deepStrictEqual(fromChart.get(key), fromKustomize.get(key));
  });

  it('the crd-source component and policySource=crd render the same objects: CRD, policies, RBAC, Lease, args', () => {
    const dir = join('test', 'deploy', 'testdata', 'opt-in-crd-source');
    const fromKustomize = byKey(renderKustomize(dir).filter((o) => o.kind !== 'Namespace'));
    const fromChart = byKey(renderChartWithCrds(['mode=opt-in', 'policySource=crd']));
    deepStrictEqual([...fromChart.keys()].sort(), [...fromKustomize.keys()].sort());
    for (const [key, object] of fromChart) deepStrictEqual(object, fromKustomize.get(key), `${key} differs`);
    const kinds = [...fromChart.keys()].map((k) => k.split('/')[0]);
    ok(kinds.includes('CustomResourceDefinition') && kinds.includes('Role') && !kinds.includes('ConfigMap'));
    equal(kinds.filter((k) => k === 'InjectionPolicy').length, 5);
  });
});
