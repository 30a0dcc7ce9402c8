/**
 * `init-injector explain` offline, from dist/: a pod never injected, the same pod after `inject`
 * (current), and after a policy changed (outdated, with both digests); a workload's template; JSON;
 * and the command-line errors.
 */
import { deepStrictEqual, equal, match, ok } from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnce, cli, ROOT } from './run-cli.js';

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  annotations:
    init-injector.io/network-check.target: 10.0.0.1
spec:
  containers:
    - name: app
      image: example.com/app:1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata:
      labels: { app: api }
    spec:
      containers:
        - name: api
          image: example.com/api:1
`;

interface Row {
  policy: string;
  state: string;
  decision: string;
  recorded?: string;
  current?: string;
  detail: string;
}
interface Explained {
  object: string;
  template: boolean;
  summary: string;
  rows: Row[];
}

describe('cli: explain (built dist/)', function () {
  this.timeout(60_000);
  let dir: string;
  before(function () {
    this.timeout(180_000);
    buildOnce();
    dir = mkdtempSync(join(tmpdir(), 'ii-explain-'));
    writeFileSync(join(dir, 'pod.yaml'), POD);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const json = (args: string[], stdin?: string): Explained[] => {
    const run = cli([...args, '-o', 'json'], stdin);
    equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as Explained[];
  };
  const row = (e: Explained | undefined, policy: string): Row | undefined => e?.rows.find((r) => r.policy === policy);

  it('says a pod that was never injected is missing the policies that apply, and why the others do not', () => {
    const [pod] = json(['explain', '-p', 'policies', '-f', join(dir, 'pod.yaml')]);
    equal(pod?.object, 'Pod shop/web');
    equal(pod.summary, 'missing');
    equal(row(pod, 'network-check')?.state, 'missing');
    equal(row(pod, 'network-check')?.decision, 'inject');
    equal(row(pod, 'cert-fetcher')?.state, 'not-applicable');
    equal(row(pod, 'cert-fetcher')?.decision, 'skip/not_requested');
  });

  it('says what a new pod of a workload would get', () => {
    const [, deployment] = json(['explain', '-p', 'policies', '-f', join(dir, 'pod.yaml')]);
    ok(deployment?.template);
    equal(deployment.summary, 'would be injected');
    equal(row(deployment, 'init-demo')?.state, 'would-inject');
  });

  it('says an injected pod is current, and outdated by digest once the policy renders something else', () => {
    const injected = cli(['inject', '-p', 'policies', '-f', join(dir, 'pod.yaml')]);
    equal(injected.code, 0, injected.stderr);
    const [now] = json(['explain', '-p', 'policies', '-f', '-'], injected.stdout);
    equal(now?.summary, 'current');
    const check = row(now, 'network-check');
    equal(check?.state, 'current');
    equal(check.recorded, check.current);

    const changed = join(dir, 'policies');
    cpSync(join(ROOT, 'policies'), changed, { recursive: true });
    const file = join(changed, 'network-check.yaml');
    const text = readFileSync(file, 'utf8');
    ok(text.includes('image: luksa/network-connectivity-checker:1.0'));
    writeFileSync(
      file,
      text.replace('image: luksa/network-connectivity-checker:1.0', 'image: luksa/network-connectivity-checker:1.1'),
    );
    const [later] = json(['explain', '-p', changed, '-f', '-'], injected.stdout);
    equal(later?.summary, 'outdated');
    const outdated = row(later, 'network-check');
    equal(outdated?.state, 'outdated');
    equal(outdated.recorded, check.recorded);
    ok(outdated.current !== undefined && outdated.current !== outdated.recorded);
    equal(row(later, 'init-demo')?.state, 'current');

    const table = cli(['explain', '-p', changed, '-f', '-'], injected.stdout);
    match(table.stdout, /^Pod shop\/web: outdated$/m);
    match(table.stdout, new RegExp(`network-check +outdated .*${outdated.recorded ?? '?'} -> ${outdated.current}`));
  });

  it('refuses a command line without -p, with both -f and KIND/NAME, or with an unknown kind', () => {
    const noPolicies = cli(['explain', '-f', join(dir, 'pod.yaml')]);
    equal(noPolicies.code, 2);
    match(noPolicies.stderr, /-p DIR/);
    const both = cli(['explain', '-p', 'policies', '-f', join(dir, 'pod.yaml'), 'pod/web']);
    equal(both.code, 2);
    match(both.stderr, /either -f FILE .* or KIND\/NAME/);
    const kind = cli(['explain', '-p', 'policies', 'service/web', '--kubeconfig', join(dir, 'pod.yaml')]);
    equal(kind.code, 2);
    match(kind.stderr, /"service\/web" is not KIND\/NAME with KIND one of pod, deployment/);
  });

  it('refuses a ConfigMap policy source that is not configmap/NAMESPACE/NAME', () => {
    const run = cli(['explain', '-p', 'configmap/only-namespace', '-f', join(dir, 'pod.yaml')]);
    equal(run.code, 1);
    match(run.stderr, /configmap\/only-namespace: expected configmap\/NAMESPACE\/NAME/);
  });

  it('names a kubeconfig that cannot be loaded, for every cluster policy source, without a stack trace', () => {
    for (const source of ['configmap/platform/injector-policies', 'injectionpolicies.init-injector.io']) {
      const run = cli([
        'inject',
        '-p',
        source,
        '--kubeconfig',
        join(dir, 'missing.kubeconfig'),
        '-f',
        join(dir, 'pod.yaml'),
      ]);
      equal(run.code, 1);
      match(run.stderr, new RegExp(`^${source.replaceAll('.', '\\.')}: cannot load the kubeconfig: ENOENT`, 'm'));
      equal(run.stderr.includes('    at '), false, run.stderr);
    }
  });

  it('names the server and the reason when the cluster cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address() as AddressInfo;
        server.close(() => {
          resolve(address.port);
        });
      });
    });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:${String(port)}' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`,
    );
    const run = cli(['explain', '-p', 'policies', 'pod/web', '-n', 'shop', '--kubeconfig', kubeconfig]);
    equal(run.code, 1);
    match(
      run.stderr,
      new RegExp(`cannot read pod/web in namespace shop: https://127\\.0\\.0\\.1:${String(port)}: .*ECONNREFUSED`),
    );
    deepStrictEqual(run.stdout, '');
  });
});
