/**
 * Regenerates test/reliability/fixtures/pod-openapi-v3.json: the closure of
 * io.k8s.api.core.v1.Pod in the OpenAPI v3 document that kube-apiserver serves at
 * /openapi/v3/api/v1, taken from the k8s.io/kubernetes module the e2e suite builds
 * (test/e2e/k8s/go.mod), so the schema is exactly the one of the API server we test against.
 * Descriptions are dropped to keep the fixture small; nothing else is changed.
 *
 *   npx tsx test/reliability/support/extract-pod-schema.ts [path/to/api__v1_openapi.json]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = 'io.k8s.api.core.v1.Pod';
const OUT = new URL('../fixtures/pod-openapi-v3.json', import.meta.url);

function defaultSource(): { path: string; version: string } {
  const gomod = readFileSync('test/e2e/k8s/go.mod', 'utf8');
  const version = /k8s\.io\/kubernetes (v[0-9.]+)/.exec(gomod)?.[1];
  if (version === undefined) throw new Error('test/e2e/k8s/go.mod: no k8s.io/kubernetes requirement');
  const cache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  return { path: join(cache, `k8s.io/kubernetes@${version}/api/openapi-spec/v3/api__v1_openapi.json`), version };
}

function strip(node: unknown, refs: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => strip(n, refs));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description') continue;
    if (k === '$ref' && typeof v === 'string') refs.add(v.replace('#/components/schemas/', ''));
    out[k] = strip(v, refs);
  }
  return out;
}

const src = process.argv[2] !== undefined ? { path: process.argv[2], version: 'given' } : defaultSource();
const doc = JSON.parse(readFileSync(src.path, 'utf8')) as { components: { schemas: Record<string, unknown> } };
const schemas: Record<string, unknown> = {};
const todo = [ROOT];
for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
  if (name in schemas) continue;
  const refs = new Set<string>();
  schemas[name] = strip(doc.components.schemas[name], refs);
  todo.push(...refs);
}
const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(
  OUT,
  JSON.stringify(
    {
      source: `k8s.io/kubernetes ${src.version} api/openapi-spec/v3/api__v1_openapi.json`,
      root: ROOT,
      schemas: sorted,
    },
    null,
    1,
  ) + '\n',
);
console.log(`wrote ${Object.keys(sorted).length} schemas to ${OUT.pathname}`);
