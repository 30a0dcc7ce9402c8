/**
 * `serve` configuration: parsed once from argv and the environment, validated, frozen. This is the
 * only module that reads environment variables; everything else receives a ServeConfig.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from './errors.js';

/** Where namespace labels (for namespaceSelector) come from. */
export type NamespaceSourceConfig =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'kubeconfig'; readonly path: string }
  | { readonly kind: 'in-cluster' }
  | { readonly kind: 'none' };

/** Where the policies come from: files (--policies), or the cluster's InjectionPolicy objects. */
export type PolicySourceConfig =
  | { readonly kind: 'files' }
  | {
      readonly kind: 'crd';
      readonly access: { kind: 'kubeconfig'; path: string } | { kind: 'in-cluster' };
      /** The Lease whose holder writes InjectionPolicy status; undefined: nobody writes it (--status-lease off). */
      readonly statusLease?: StatusLeaseConfig;
    };

/** The Lease that elects the one replica writing status, and this process's name in it. */
export interface StatusLeaseConfig {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
}

/** The default Lease name of --status-lease. */
export const STATUS_LEASE_NAME = 'init-injector-policy-status';
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** Everything `serve` needs, validated and frozen. Durations are in milliseconds. */
export interface ServeConfig {
  readonly policies: readonly string[];
  readonly policySource: PolicySourceConfig;
  readonly host: string;
  readonly port: number;
  /** Both set, or both undefined (then a development certificate is made in devTlsDir). */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly devTlsDir: string;
  /** 0 disables the plain-HTTP metrics listener (/metrics stays on the admission port). */
  readonly metricsPort: number;
  readonly namespaces: NamespaceSourceConfig;
  /** Time between SIGTERM and closing the listener; readiness is false meanwhile. */
  readonly drainMs: number;
  /** Upper bound from SIGTERM to exit; in-flight requests past it are cut. */
  readonly shutdownGraceMs: number;
  readonly logLevel: string;
  readonly help: boolean;
}

/** Printed by `serve --help`. */
export const SERVE_USAGE = `Usage: init-injector serve [flags]

  --policies DIR|FILE      policy directory or file, repeatable (default: policies)
  --policy-source SOURCE   files (default: --policies) or crd: the cluster's InjectionPolicy
                           objects, watched through the kubeconfig (see --kubeconfig)
  --status-lease NS/NAME|off  with crd: the Lease electing the one replica that writes each
                           InjectionPolicy's status (default: $POD_NAMESPACE, else the pod's
                           namespace, else default; name ${STATUS_LEASE_NAME}); off: no status
  --port N                 HTTPS admission port, 0 for any free one (default: 8443)
  --host ADDR              listen address (default: all interfaces)
  --tls-cert FILE          serving certificate (PEM); re-read when it changes
  --tls-key FILE           serving key (PEM); with --tls-cert
  --dev-tls-dir DIR        where the development CA and certificate are made without --tls-cert
                           (default: .cache/dev-tls)
  --metrics-port N         plain-HTTP /metrics port, 0 disables (default: 9090)
  --namespace-labels FILE  YAML map of namespace name -> labels, instead of the Kubernetes API
  --kubeconfig FILE        kubeconfig for the namespace and policy informers (default: $KUBECONFIG,
                           ~/.kube/config, or the in-cluster service account)
  --drain DURATION         keep serving after SIGTERM while not ready (default: 5s)
  --shutdown-grace DURATION  exit at the latest this long after SIGTERM (default: 15s)
  --log-level LEVEL        trace|debug|info|warn|error|fatal|silent (default: info, or $LOG_LEVEL)
`;

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** --status-lease: NAMESPACE/NAME, or off; by default the pod's own namespace and STATUS_LEASE_NAME. */
function statusLease(flag: string | undefined, env: NodeJS.ProcessEnv): StatusLeaseConfig | undefined {
  if (flag === 'off') return undefined;
  const identity = `${env['POD_NAME'] ?? hostname()}_${process.pid}`;
  if (flag !== undefined) {
    const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(flag);
    if (m === null || (m[1] ?? '').length > 63 || (m[3] ?? '').length > 253)
      throw new ConfigError(`--status-lease: "${flag}" is not NAMESPACE/NAME (DNS names) or off`);
    return { namespace: m[1] ?? '', name: m[3] ?? '', identity };
  }
  const own = existsSync(SERVICE_ACCOUNT_NAMESPACE) ? readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() : '';
  const namespace = env['POD_NAMESPACE'] ?? (own === '' ? 'default' : own);
  return { namespace, name: STATUS_LEASE_NAME, identity };
}

/** Parses `5s`, `500ms`, `1m` or a bare number of seconds into milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (m === null) throw new ConfigError(`${flag}: "${text}" is not a duration (expected e.g. 5s, 500ms, 1m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(unit === 'ms' ? n : unit === 'm' ? n * 60_000 : n * 1000);
}

function parsePort(flag: string, text: string, zeroMeans: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n > 65535) {
    throw new ConfigError(`${flag}: "${text}" is not a port (expected 1-65535, or 0 ${zeroMeans})`);
  }
  return n;
}

/** Namespace labels: the file flag wins; then a kubeconfig; then in-cluster; else none. */
function namespaceSource(
  file: string | undefined,
  kubeconfig: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): NamespaceSourceConfig {
  if (file !== undefined) return { kind: 'file', path: resolve(cwd, file) };
  if (kubeconfig !== undefined) {
    const path = resolve(cwd, kubeconfig);
    if (!existsSync(path)) throw new ConfigError(`--kubeconfig: ${path} does not exist`);
    return { kind: 'kubeconfig', path };
  }
  // As client-go: the first existing file of $KUBECONFIG (path list), else ~/.kube/config.
  const fromEnv = (env['KUBECONFIG'] ?? '').split(':').filter((p) => p !== '');
  const home = env['HOME'] ?? homedir();
  const candidates = fromEnv.length > 0 ? fromEnv : [join(home, '.kube', 'config')];
  const found = candidates.map((p) => resolve(cwd, p)).find((p) => existsSync(p));
  if (found !== undefined) return { kind: 'kubeconfig', path: found };
  if ((env['KUBERNETES_SERVICE_HOST'] ?? '') !== '' && (env['KUBERNETES_SERVICE_PORT'] ?? '') !== '') {
    return { kind: 'in-cluster' };
  }
  return { kind: 'none' };
}

/** Parses and validates `serve` flags; throws ConfigError naming the flag. The result is frozen. */
export function parseServeConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): Readonly<ServeConfig> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        policies: { type: 'string', multiple: true },
        'policy-source': { type: 'string' },
        'status-lease': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'dev-tls-dir': { type: 'string' },
        'metrics-port': { type: 'string' },
        'namespace-labels': { type: 'string' },
        kubeconfig: { type: 'string' },
        drain: { type: 'string' },
        'shutdown-grace': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new ConfigError(`${(e as Error).message}; see "init-injector serve --help"`, { cause: e });
  }
  const tlsCert = values['tls-cert'];
  const tlsKey = values['tls-key'];
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key go together: give both, or neither for a development certificate');
  }
  const logLevel = values['log-level'] ?? env['LOG_LEVEL'] ?? 'info';
  if (!LOG_LEVELS.has(logLevel))
    throw new ConfigError(`--log-level: "${logLevel}" is not one of ${[...LOG_LEVELS].join(', ')}`);
  const drainMs = parseDuration('--drain', values.drain ?? '5s');
  const shutdownGraceMs = parseDuration('--shutdown-grace', values['shutdown-grace'] ?? '15s');
  if (drainMs >= shutdownGraceMs) {
    throw new ConfigError(`--drain (${drainMs} ms) must be shorter than --shutdown-grace (${shutdownGraceMs} ms)`);
  }
  const source = values['policy-source'] ?? 'files';
  if (source !== 'files' && source !== 'crd')
    throw new ConfigError(`--policy-source: "${source}" is not one of files, crd`);
  if (source === 'crd' && values.policies !== undefined)
    throw new ConfigError(
      "--policies and --policy-source crd exclude each other: the policies are the cluster's objects",
    );
  let policySource: PolicySourceConfig = { kind: 'files' };
  if (source === 'crd') {
    const access = namespaceSource(undefined, values.kubeconfig, env, cwd);
    if (access.kind !== 'kubeconfig' && access.kind !== 'in-cluster')
      throw new ConfigError('--policy-source crd needs a cluster: give --kubeconfig, or run in a pod');
    const lease = statusLease(values['status-lease'], env);
    policySource = { kind: 'crd', access, ...(lease && { statusLease: lease }) };
  } else if (values['status-lease'] !== undefined) {
    throw new ConfigError('--status-lease goes with --policy-source crd: files have no status to write');
  }
  const config: ServeConfig = {
    policies: (values.policies ?? ['policies']).map((p) => resolve(cwd, p)),
    policySource,
    host: values.host ?? '',
    port: parsePort('--port', values.port ?? '8443', 'for any free port'),
    ...(tlsCert !== undefined && tlsKey !== undefined
      ? { tlsCert: resolve(cwd, tlsCert), tlsKey: resolve(cwd, tlsKey) }
      : {}),
    devTlsDir: resolve(cwd, values['dev-tls-dir'] ?? join('.cache', 'dev-tls')),
    metricsPort: parsePort('--metrics-port', values['metrics-port'] ?? '9090', 'to disable'),
    namespaces: namespaceSource(values['namespace-labels'], values.kubeconfig, env, cwd),
    drainMs,
    shutdownGraceMs,
    logLevel,
    help: values.help ?? false,
  };
  return Object.freeze(config);
}
