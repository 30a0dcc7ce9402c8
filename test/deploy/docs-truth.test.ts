// What the docs tell operators to type must match what the chart renders: the webhook name in
// every alert on the API server's webhook metrics, and the failurePolicy/timeoutSeconds each mode
// renders by default (docs/operations.md states them).
import { deepStrictEqual, ok } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODES, renderChart, ROOT, type KubeObject } from './support/render.js';

interface Webhook {
  name: string;
  failurePolicy: string;
  timeoutSeconds: number;
}

function webhooks(objects: readonly KubeObject[]): Webhook[] {
  const config = objects.find((o) => o.kind === 'MutatingWebhookConfiguration') as
    (KubeObject & { webhooks?: Webhook[] }) | undefined;
  return config?.webhooks ?? [];
}

const DOCS = ['README.md', 'docs/operations.md', 'docs/install.md'];

describe('deploy: what the docs say operators will see is what the chart renders', function () {
  this.timeout(120_000);

  it('names the rendered webhook in every alert on the API server webhook metrics', () => {
    const names = new Set(MODES.flatMap((mode) => webhooks(renderChart([`mode=${mode}`])).map((w) => w.name)));
    ok(names.size > 0, 'the chart renders no webhook');
    for (const doc of DOCS) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const m of text.matchAll(/apiserver_admission_webhook_[a-z_]+\{name="([^"]+)"/g))
        ok(
          names.has(m[1] ?? ''),
          `${doc}: ${m[0]} names a webhook the chart does not render (${[...names].join(', ')})`,
        );
    }
  });

  it('renders the failurePolicy and timeoutSeconds docs/operations.md gives for each mode', () => {
    const rendered = Object.fromEntries(
      MODES.map((mode) => {
        const w = webhooks(renderChart([`mode=${mode}`]))[0];
        return [mode, [w?.failurePolicy, w?.timeoutSeconds]];
      }),
    );
    deepStrictEqual(rendered, { 'opt-in': ['Fail', 5], 'cluster-wide': ['Ignore', 3] });
    const ops = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    ok(ops.includes('opt-in (the default mode) renders `failurePolicy: Fail`\nand `timeoutSeconds: 5`'));
    ok(ops.includes('cluster-wide renders `Ignore` and 3 s'));
  });

  it('gives one certificate-expiry alert threshold everywhere', () => {
    const thresholds = new Set<string>();
    for (const doc of DOCS) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const m of text.matchAll(/expiry_timestamp_seconds - time\(\) < ([0-9*]+)/g)) thresholds.add(m[1] ?? '');
      for (const m of text.matchAll(/expiry_timestamp_seconds` \(< (\d+) days\)/g))
        thresholds.add(`${m[1] ?? ''}*24*3600`);
    }
    deepStrictEqual([...thresholds], ['14*24*3600']);
  });
});
