// Secrets and least privilege (docs/reliability.md §6): the server at log level trace never writes
// env values, parameter values, private keys or certificates; error answers never echo the request
// body; the default deploy RBAC is exactly get/list/watch on namespaces.
import { deepStrictEqual, ok } from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { reviewText, smallPod } from './support/hostile-inputs.js';
import { makeCert, rawExchange, request, startServer, type ServerProc } from './support/server.js';

const mark = (what: string) => `${what}-${randomBytes(6).toString('hex')}`;
const ENV = mark('SECRETENV');
const ENV_INJECTED = mark('SECRETDEFAULT');
const PARAM = mark('SECRETPARAM');
const BAD_PARAM = mark('SECRETBAD') + ' !';
const BODY = mark('SECRETBODY');

const POLICIES = {
  'vault.yaml': `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata: {name: vault-agent}
spec:
  parameters:
    - {name: role, annotation: example.com/role, pattern: '^[A-Za-z0-9-]+$'}
  initContainers:
    - name: vault-agent
      image: busybox:1.36
      env:
        - {name: ROLE, value: "{{ params.role }}"}
        - {name: TOKEN, value: "${ENV_INJECTED}"}
`,
  'required.yaml': `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata: {name: net-check}
spec:
  required: true
  initContainers: [{name: net-check, image: busybox:1.36}]
`,
};

const withEnv = (annotations: Record<string, string>, extraInit: unknown[] = []) => {
  const pod = smallPod({
    annotations,
    containers: [{ name: 'app', image: 'nginx', env: [{ name: 'DB_PASSWORD', value: ENV }] }],
  });
  if (extraInit.length > 0) (pod['spec'] as Record<string, unknown>)['initContainers'] = extraInit;
  return pod;
};

describe('reliability: secrets never reach logs or error answers', function () {
  this.timeout(90_000);
  let s: ServerProc;
  let key = '';
  let cert = '';

  before(async function () {
    this.timeout(60_000);
    s = await startServer(POLICIES, ['--log-level', 'trace']);
    key = readFileSync(s.keyFile, 'utf8');
    cert = s.ca;
    const answers = [
      await request(s, { body: reviewText(withEnv({ 'example.com/role': PARAM })) }), // injected
      await request(s, { body: reviewText(withEnv({ 'example.com/role': BAD_PARAM })) }), // param invalid: skipped
      await request(s, {
        body: reviewText(
          withEnv({ 'example.com/role': PARAM }, [{ name: 'net-check', image: 'x', env: [{ name: 'X', value: ENV }] }]),
        ),
      }), // denied
      await request(s, {
        body: `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":{"x":"${BODY}"`,
      }), // truncated
      await request(s, {
        body: reviewText(withEnv({ 'example.com/role': BODY })).replace('admission.k8s.io/v1', 'admission.k8s.io/v9'),
      }), // wrong version
      await request(s, { body: reviewText(withEnv({ x: BODY })), headers: { 'content-type': 'text/plain' } }), // wrong type
      await request(s, { body: reviewText(BODY) }), // object not a Pod
      await request(s, { body: `{"${BODY}": [${'1,'.repeat(10)}` }),
    ];
    deepStrictEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 400, 400, 415, 400, 400],
    );
    errorBodies = answers.slice(3).map((a) => a.body);
    okBodies = answers.slice(0, 3).map((a) => a.body);
    // 413 over a raw socket (the server answers before the body is read)
    errorBodies.push(
      (
        await rawExchange(
          s,
          `POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n{"${BODY}":1`,
        )
      ).text,
    );
    // a failed TLS handshake (plain HTTP on the TLS port): the server logs it at debug
    await new Promise<void>((r) => {
      const sock = connect(s.port, '127.0.0.1', () => sock.end(`GET /${BODY} HTTP/1.1\r\n\r\n`));
      sock
        .on('error', () => undefined)
        .on('close', () => {
          r();
        });
    });
    // rotate the serving certificate so the reload path logs too
    const fresh = makeCert(s.dir, 'rotated');
    renameSync(fresh.keyFile, s.keyFile);
    renameSync(fresh.certFile, s.certFile);
    key += readFileSync(s.keyFile, 'utf8');
    cert += readFileSync(s.certFile, 'utf8');
    const deadline = Date.now() + 20_000;
    while (!s.lines.some((l) => l.includes('certificate reloaded')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    metricsText = (await request({ port: s.port, ca: cert }, { method: 'GET', path: '/metrics' })).body;
  });
  let errorBodies: string[] = [];
  let okBodies: string[] = [];
  let metricsText = '';

  after(async () => {
    await (s as ServerProc | undefined)?.stop();
  });

  it('logged at trace level (the run produced debug/trace lines)', () => {
    ok(s.lines.length > 5, `only ${s.lines.length} log lines`);
    ok(
      s.lines.some((l) => l.includes('"level":"debug"') || l.includes('"level":"trace"')),
      'no debug/trace line: the level flag had no effect',
    );
    ok(
      s.lines.some((l) => l.includes('certificate reloaded')),
      'the certificate rotation was not logged, so its path was not scanned',
    );
  });

  const secrets: [string, () => string[]][] = [
    ['pod env values', () => [ENV]],
    ['env values of injected containers', () => [ENV_INJECTED]],
    ['parameter values (valid and invalid)', () => [PARAM, BAD_PARAM.split(' ')[0]!]],
    ['request body content', () => [BODY]],
    ['private keys', () => ['PRIVATE KEY', ...pemBodies(key)]],
    ['certificates', () => ['BEGIN CERTIFICATE', ...pemBodies(cert)]],
  ];
  for (const [what, values] of secrets) {
    it(`never logs ${what}, at any level, on stdout or stderr`, () => {
      for (const v of values()) {
        const hit = s.lines.find((l) => l.includes(v));
        ok(hit === undefined, `log line contains ${what} (${v.slice(0, 24)}…): ${hit?.slice(0, 300) ?? ''}`);
      }
    });
  }

  it('never echoes the request body in an error answer', () => {
    deepStrictEqual(errorBodies.length, 6);
    for (const b of errorBodies)
      ok(!b.includes(BODY) && !b.includes(ENV), `error answer echoes the body: ${b.slice(0, 300)}`);
  });

  it('never puts pod env values into an answer (the patch only carries what the policy injects)', () => {
    for (const b of okBodies) ok(!Buffer.from(b).toString('utf8').includes(ENV), 'answer contains a pod env value');
    for (const b of okBodies) {
      const patch = (JSON.parse(b) as { response?: { patch?: string } }).response?.patch;
      if (patch !== undefined)
        ok(!Buffer.from(patch, 'base64').toString('utf8').includes(ENV), 'patch contains a pod env value');
    }
  });

  it('never exposes secrets in /metrics', () => {
    ok(metricsText.length > 0);
    for (const v of [ENV, ENV_INJECTED, PARAM, BODY]) ok(!metricsText.includes(v), `/metrics contains ${v}`);
  });
});

/** The base64 lines of every PEM block in `text` (each long enough to be unique). */
function pemBodies(text: string): string[] {
  return text.split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
}

describe('reliability: least privilege of the default deploy RBAC', () => {
  const BASE = new URL('../../deploy/kustomize/base/', import.meta.url);
  interface Obj {
    kind?: string;
    metadata?: { name?: string; namespace?: string };
    rules?: {
      apiGroups?: string[];
      resources?: string[];
      verbs?: string[];
      resourceNames?: string[];
      nonResourceURLs?: string[];
    }[];
    subjects?: { kind?: string; name?: string; namespace?: string }[];
    roleRef?: { kind?: string; name?: string };
    aggregationRule?: unknown;
  }
  const kustomization = loadAll(readFileSync(new URL('kustomization.yaml', BASE), 'utf8'))[0] as {
    resources?: string[];
  };
  const objects = (kustomization.resources ?? [])
    .flatMap((f) => loadAll(readFileSync(join(BASE.pathname, f), 'utf8')) as (Obj | null)[])
    .filter((o): o is Obj => o !== null);

  it('grants exactly get, list and watch on namespaces, and nothing else', () => {
    const roles = objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
    ok(roles.length > 0, 'no Role or ClusterRole in the base');
    for (const r of roles)
      deepStrictEqual(r.aggregationRule, undefined, `${r.metadata?.name ?? ''} aggregates other roles`);
    const grants = roles.flatMap((r) =>
      (r.rules ?? []).flatMap((rule) =>
        (rule.apiGroups ?? ['?']).flatMap((g) =>
          (rule.resources ?? rule.nonResourceURLs ?? ['?']).flatMap((res) =>
            (rule.verbs ?? []).map((v) => `${g}/${res}:${v}${rule.resourceNames ? '(named)' : ''}`),
          ),
        ),
      ),
    );
    deepStrictEqual([...new Set(grants)].sort(), ['/namespaces:get', '/namespaces:list', '/namespaces:watch']);
  });

  it('binds the roles only to the webhook service account, and only the roles of the base', () => {
    const sa = objects.find((o) => o.kind === 'ServiceAccount');
    ok(sa?.metadata?.name !== undefined, 'no ServiceAccount in the base');
    const roleNames = new Set(
      objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').map((o) => o.metadata?.name),
    );
    const bindings = objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
    ok(bindings.length > 0, 'no binding');
    for (const b of bindings) {
      ok(
        roleNames.has(b.roleRef?.name),
        `${b.metadata?.name ?? ''} binds ${b.roleRef?.name ?? ''}, not a role of the base (e.g. cluster-admin)`,
      );
      deepStrictEqual(
        b.subjects?.map((x) => `${x.kind ?? ''}/${x.name ?? ''}`),
        [`ServiceAccount/${sa.metadata.name}`],
      );
    }
  });
});
