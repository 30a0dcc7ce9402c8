import { hostname } from 'node:os';
import { deepStrictEqual, ok, strictEqual, throws } from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration, parseServeConfig, SERVE_USAGE } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { tmp } from './support.js';

describe('serve configuration (parseServeConfig)', () => {
  const cwd = tmp('ii-config-');

  it('has the documented defaults, resolved against the working directory, and is frozen', () => {
    const c = parseServeConfig([], {}, cwd);
    deepStrictEqual(c.policies, [join(cwd, 'policies')]);
    strictEqual(c.port, 8443);
    strictEqual(c.metricsPort, 9090);
    strictEqual(c.devTlsDir, join(cwd, '.cache', 'dev-tls'));
    strictEqual(c.drainMs, 5000);
    strictEqual(c.shutdownGraceMs, 15000);
    strictEqual(c.tlsCert, undefined);
    deepStrictEqual(c.namespaces, { kind: 'none' });
    ok(Object.isFrozen(c));
  });

  it('reads --policy-source: files by default; crd with a kubeconfig, or in a pod; never with --policies', () => {
    deepStrictEqual(parseServeConfig([], {}, cwd).policySource, { kind: 'files' });
    const kubeconfig = join(cwd, 'kc.yaml');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');
    const identity = `${hostname()}_${String(process.pid)}`;
    deepStrictEqual(parseServeConfig(['--policy-source', 'crd', '--kubeconfig', 'kc.yaml'], {}, cwd).policySource, {
      kind: 'crd',
      access: { kind: 'kubeconfig', path: kubeconfig },
      statusLease: { namespace: 'default', name: 'init-injector-policy-status', identity },
    });
    const pod = {
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      HOME: cwd,
      POD_NAME: 'injector-7d9',
      POD_NAMESPACE: 'platform',
    };
    deepStrictEqual(parseServeConfig(['--policy-source', 'crd'], pod, cwd).policySource, {
      kind: 'crd',
      access: { kind: 'in-cluster' },
      statusLease: {
        namespace: 'platform',
        name: 'init-injector-policy-status',
        identity: `injector-7d9_${String(process.pid)}`,
      },
    });
    throws(
      () => parseServeConfig(['--policy-source', 'crd'], { HOME: cwd }, cwd),
      /--policy-source crd needs a cluster/,
    );
    throws(() => parseServeConfig(['--policy-source', 'crd', '--policies', 'p'], pod, cwd), /exclude each other/);
    throws(
      () => parseServeConfig(['--policy-source', 'etcd'], {}, cwd),
      /--policy-source: "etcd" is not one of files, crd/,
    );
  });

  it('reads --status-lease: NAMESPACE/NAME, or off; only with --policy-source crd', () => {
    const pod = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: cwd };
    const lease = (flag: string) =>
      parseServeConfig(['--policy-source', 'crd', '--status-lease', flag], pod, cwd).policySource;
    deepStrictEqual((lease('ops/injector-status') as { statusLease?: object }).statusLease, {
      namespace: 'ops',
      name: 'injector-status',
      identity: `${hostname()}_${String(process.pid)}`,
    });
    deepStrictEqual(lease('off'), { kind: 'crd', access: { kind: 'in-cluster' } });
    throws(() => lease('Ops/status'), /--status-lease: "Ops\/status" is not NAMESPACE\/NAME \(DNS names\) or off/);
    throws(() => lease('status'), /is not NAMESPACE\/NAME/);
    throws(
      () => parseServeConfig(['--status-lease', 'ops/x'], {}, cwd),
      /--status-lease goes with --policy-source crd/,
    );
  });

  it('reads flags: repeatable --policies, ports, durations, TLS pair', () => {
    const c = parseServeConfig(
      [
        '--policies',
        'a',
        '--policies',
        'b',
        '--port',
        '9443',
        '--metrics-port',
        '0',
        '--drain',
        '0',
        '--shutdown-grace',
        '500ms',
        '--tls-cert',
        'c.pem',
        '--tls-key',
        'k.pem',
      ],
      {},
      cwd,
    );
    deepStrictEqual(c.policies, [join(cwd, 'a'), join(cwd, 'b')]);
    strictEqual(c.port, 9443);
    strictEqual(c.metricsPort, 0);
    strictEqual(c.drainMs, 0);
    strictEqual(c.shutdownGraceMs, 500);
    strictEqual(c.tlsCert, join(cwd, 'c.pem'));
  });

  it('picks the namespace source: file flag, then $KUBECONFIG, then ~/.kube/config, then in-cluster, else none', () => {
    const home = tmp('ii-home-');
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\n');
    deepStrictEqual(parseServeConfig(['--namespace-labels', 'ns.yaml'], { HOME: home }, cwd).namespaces, {
      kind: 'file',
      path: join(cwd, 'ns.yaml'),
    });
    deepStrictEqual(parseServeConfig([], { HOME: home }, cwd).namespaces, {
      kind: 'kubeconfig',
      path: join(home, '.kube', 'config'),
    });
    deepStrictEqual(
      parseServeConfig([], { HOME: cwd, KUBECONFIG: `/missing:${join(home, '.kube', 'config')}` }, cwd).namespaces,
      {
        kind: 'kubeconfig',
        path: join(home, '.kube', 'config'),
      },
    );
    deepStrictEqual(
      parseServeConfig([], { HOME: cwd, KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, cwd)
        .namespaces,
      { kind: 'in-cluster' },
    );
    deepStrictEqual(parseServeConfig([], { HOME: cwd }, cwd).namespaces, { kind: 'none' });
    deepStrictEqual(
      parseServeConfig([], { HOME: cwd, KUBERNETES_SERVICE_HOST: '', KUBERNETES_SERVICE_PORT: '443' }, cwd).namespaces,
      {
        kind: 'none',
      },
    );
  });

  for (const [argv, message] of [
    [['--port', 'abc'], /--port: "abc" is not a port/],
    [['--port', '70000'], /--port: "70000" is not a port/],
    [['--tls-cert', 'c.pem'], /--tls-cert and --tls-key go together/],
    [['--drain', '5x'], /--drain: "5x" is not a duration/],
    [['--drain', '20s'], /--drain \(20000 ms\) must be shorter than --shutdown-grace/],
    [['--log-level', 'loud'], /--log-level: "loud" is not one of/],
    [['--kubeconfig', 'nope'], /--kubeconfig: .*nope does not exist/],
    [['--polices', 'x'], /Unknown option '--polices'.*serve --help/],
  ] as const) {
    it(`rejects ${argv.join(' ')} with a ConfigError naming the flag`, () => {
      throws(
        () => parseServeConfig(argv, {}, cwd),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }

  it('parses durations in ms, s and m', () => {
    strictEqual(parseDuration('--x', '250ms'), 250);
    strictEqual(parseDuration('--x', '1.5s'), 1500);
    strictEqual(parseDuration('--x', '2m'), 120_000);
    strictEqual(parseDuration('--x', '3'), 3000);
  });

  it('lists in --help exactly the log levels it accepts', () => {
    const listed = /--log-level LEVEL\s+([a-z|]+)/.exec(SERVE_USAGE)?.[1]?.split('|') ?? [];
    deepStrictEqual(listed, ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
    const dir = tmp();
    for (const level of listed) strictEqual(parseServeConfig(['--log-level', level], {}, dir).logLevel, level);
    throws(() => parseServeConfig(['--log-level', 'verbose'], {}, dir));
  });
});
