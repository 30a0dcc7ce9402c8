// Proves, by evaluating the rendered namespaceSelector with Kubernetes label-selector semantics, that
// the webhook can never select kube-system, kube-public, kube-node-lease or its own namespace, in
// either mode, from either install method, whatever labels someone puts on those namespaces. The API
// server sets kubernetes.io/metadata.name on every namespace and it cannot be changed, which is what
// makes the exclusion unforgeable. Positive controls show the same selector does select ordinary ones.
import { deepStrictEqual, ok } from 'node:assert/strict';
import { selectorMatches, type LabelSelector } from './support/selector.js';
import { MODES, one, renderChart, renderOverlay, type KubeObject, type Mode } from './support/render.js';

interface Webhook {
  name: string;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
}

function webhooks(objects: readonly KubeObject[]): Webhook[] {
  return (one(objects, 'MutatingWebhookConfiguration') as unknown as { webhooks: Webhook[] }).webhooks;
}

/** The labels a namespace carries: the API server's name label plus whatever a user added. */
function nsLabels(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, 'kubernetes.io/metadata.name': name };
}

const ADVERSARIAL_LABELS: Record<string, string>[] = [
  {},
  { 'init-injector.io/inject': 'enabled' },
  { 'init-injector.io/inject': 'disabled' },
  { 'init-injector.io/inject': 'true' },
];

function selects(hooks: readonly Webhook[], labels: Record<string, string>): boolean {
  return hooks.some((w) => selectorMatches(w.namespaceSelector ?? {}, labels));
}

const renders: { what: string; mode: Mode; ownNamespace: string; objects: () => KubeObject[] }[] = [];
for (const mode of MODES) {
  renders.push({ what: `kustomize ${mode}`, mode, ownNamespace: 'init-injector', objects: () => renderOverlay(mode) });
  renders.push({
    what: `helm ${mode}`,
    mode,
    ownNamespace: 'init-injector',
    objects: () => renderChart([`mode=${mode}`]),
  });
  renders.push({
    what: `helm ${mode} in namespace platform-hooks`,
    mode,
    ownNamespace: 'platform-hooks',
    objects: () => renderChart([`mode=${mode}`], 'platform-hooks'),
  });
}

describe('deploy: the webhook never selects the system namespaces or its own', function () {
  this.timeout(60_000);

  for (const r of renders) {
    describe(r.what, () => {
      let hooks: Webhook[];
      before(() => {
        hooks = webhooks(r.objects());
      });

      for (const ns of ['kube-system', 'kube-public', 'kube-node-lease', 'own']) {
        it(`never selects ${ns === 'own' ? 'its own namespace' : ns}, whatever its init-injector.io/inject label`, () => {
          const name = ns === 'own' ? r.ownNamespace : ns;
          for (const extra of ADVERSARIAL_LABELS) {
            ok(!selects(hooks, nsLabels(name, extra)), `${name} with ${JSON.stringify(extra)} is selected`);
          }
        });
      }

      it('selects an ordinary namespace exactly as its mode says', () => {
        const got = ADVERSARIAL_LABELS.map((extra) => selects(hooks, nsLabels('team-a', extra)));
        // labels: none, enabled, disabled, "true"
        const want = r.mode === 'opt-in' ? [false, true, false, false] : [true, true, false, true];
        deepStrictEqual(got, want);
      });

      it('never selects pods labelled init-injector.io/inject=disabled, and selects other pods', () => {
        for (const w of hooks) {
          ok(!selectorMatches(w.objectSelector ?? {}, { 'init-injector.io/inject': 'disabled', app: 'x' }));
          ok(selectorMatches(w.objectSelector ?? {}, { app: 'x' }));
        }
      });
    });
  }

  it('the webhook pods themselves carry the opt-out label', () => {
    for (const mode of MODES) {
      const d = one(renderOverlay(mode), 'Deployment') as unknown as {
        spec: { template: { metadata: { labels: Record<string, string> } } };
      };
      deepStrictEqual(d.spec.template.metadata.labels['init-injector.io/inject'], 'disabled');
    }
  });

  it('extra excluded namespaces from webhook.excludeNamespaces are never selected', () => {
    const hooks = webhooks(renderChart(['mode=cluster-wide', 'webhook.excludeNamespaces={cert-manager,monitoring}']));
    ok(!selects(hooks, nsLabels('cert-manager')));
    ok(!selects(hooks, nsLabels('monitoring')));
    ok(selects(hooks, nsLabels('team-a')));
  });
});

describe('deploy: the label-selector evaluation used above follows Kubernetes semantics', () => {
  const cases: [string, LabelSelector, Record<string, string>, boolean][] = [
    ['an empty selector matches everything', {}, {}, true],
    ['matchLabels needs the exact value', { matchLabels: { a: '1' } }, { a: '2' }, false],
    ['In does not match an absent key', { matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, {}, false],
    ['NotIn matches an absent key', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    [
      'NotIn rejects a listed value',
      { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1', '2'] }] },
      { a: '2' },
      false,
    ],
    ['Exists ignores the value', { matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }, true],
    [
      'DoesNotExist rejects any value',
      { matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] },
      { a: '' },
      false,
    ],
    [
      'every requirement must hold',
      { matchLabels: { b: '1' }, matchExpressions: [{ key: 'a', operator: 'Exists' }] },
      { a: 'x' },
      false,
    ],
  ];
  for (const [what, selector, labels, want] of cases) {
    it(what, () => {
      deepStrictEqual(selectorMatches(selector, labels), want);
    });
  }
});
