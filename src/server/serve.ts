/**
 * `init-injector serve`: the composition root. config -> policies -> certificate -> namespace
 * source -> request listener -> https.Server (+ plain-HTTP metrics server) -> wait for a signal ->
 * graceful shutdown. Everything with state is created here and passed down; nothing below reads
 * globals.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import { ConfigError, exitStatus, InjectorError, ListenError, PolicyLoadError } from '../errors.js';
import { parseServeConfig, SERVE_USAGE, type ServeConfig } from '../config.js';
import type { NamespaceSource } from '../kube/namespaces.js';
import { createLogger, type Logger } from '../log.js';
import { PolicyStore, type ReloadEvent } from '../policy/store.js';
import { openObjectPolicies } from './crd-policies.js';
import { LargeLane } from './large-lane.js';
import { createListener } from './app.js';
import { policyStatus, readiness } from './health.js';
import { createMetrics, type Metrics } from './metrics.js';
import { nextSignal, shutdown } from './shutdown.js';
import { trackUnusedConnections } from './unused-connections.js';
import type { CompiledPolicy, PolicySet } from '../engine/types.js';
import { metricsListener } from './metrics-route.js';
import { certificateReporter, namespaceSource, policyReporter } from './wiring.js';
import { CertificateWatcher, loadKeyPair, secureContextOptions, tlsServerOptions, type KeyPair } from './tls.js';

/**
 * Connection timeouts, matched to the kube-apiserver's webhook client (docs/operations.md lists them
 * under "Connections and timeouts"):
 * - keep-alive 95 s: the API server keeps idle connections for 90 s (Go IdleConnTimeout) and never
 *   retries a POST that hits a connection the server just closed, so the server must outlast it
 *   (Node's default of 5 s fails a share of admissions; Pepr PR #3056 fixed the same bug);
 * - headers 32 s: kube-apiserver and controller-runtime ReadHeaderTimeout; bounds slowloris;
 * - request 35 s: above the 30 s maximum webhook timeoutSeconds, so a legal request is never cut;
 * - TLS handshake 10 s: the API server's own TLS handshake timeout;
 * - timeouts are checked every 2 s (Node's default interval is 30 s, which would let a slow
 *   client hold a socket for up to a minute past headersTimeout).
 */
export const TIMEOUTS: Timeouts = {
  keepAliveMs: 95_000,
  headersMs: 32_000,
  requestMs: 35_000,
  handshakeMs: 10_000,
  checkIntervalMs: 2_000,
} as const;

/** Connection timeouts in milliseconds (see TIMEOUTS for the values and their sources). */
export interface Timeouts {
  readonly keepAliveMs: number;
  readonly headersMs: number;
  readonly requestMs: number;
  readonly handshakeMs: number;
  readonly checkIntervalMs: number;
}

/** Runs `serve` until SIGTERM/SIGINT; resolves with the exit code. */
export async function runServe(argv: readonly string[]): Promise<number> {
  let config: Readonly<ServeConfig>;
  try {
    config = parseServeConfig(argv);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`init-injector serve: ${e.code}: ${e.message}\n`);
    return exitStatus(e.code);
  }
  if (config.help) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  const log = createLogger({ level: config.logLevel });
  try {
    return await serve(config, log);
  } catch (e) {
    if (!(e instanceof InjectorError)) throw e;
    log.fatal({ code: e.code }, e.message);
    process.stderr.write(`init-injector serve: ${e.code}: ${e.message}\n`);
    return exitStatus(e.code);
  } finally {
    log.flush();
  }
}

function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      reject(
        new ListenError(`${what}: cannot listen on ${host === '' ? '*' : host}:${port}: ${e.message}`, { cause: e }),
      );
    };
    server.once('error', onError);
    const done = (): void => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
    };
    if (host === '') server.listen(port, done);
    else server.listen(port, host, done);
  });
}

function tuned<S extends Server>(server: S, t: Timeouts): S {
  server.keepAliveTimeout = t.keepAliveMs;
  server.headersTimeout = t.headersMs;
  server.requestTimeout = t.requestMs;
  // Node applies headersTimeout only once a request starts: a connection that completes the TLS
  // handshake and then sends nothing would stay open forever (thousands of them exhaust file
  // descriptors). An inactivity timeout of headersMs covers that; after the first response Node
  // replaces it with the keep-alive timeout, and with no listener a socket timeout destroys it.
  const idle = (socket: { setTimeout(ms: number): unknown }): void => {
    socket.setTimeout(t.headersMs);
  };
  server.on(server instanceof HttpsServer ? 'secureConnection' : 'connection', idle);
  return server;
}

/** A started server: its bound ports, and the shutdown sequence to run on a signal. */
export interface RunningServer {
  readonly port: number;
  readonly metricsPort: number;
  /** The development CA, when no --tls-cert was given. */
  readonly caPath?: string;
  readonly servers: readonly Server[];
  shutdown(signal: string): Promise<number>;
}

async function serve(config: Readonly<ServeConfig>, log: Logger): Promise<number> {
  const running = await startServe(config, log);
  return running.shutdown(await nextSignal(running.servers, log));
}

/** The servers listening, and their ports (metricsPort 0: no metrics port). */
interface Listening {
  readonly servers: Server[];
  readonly port: number;
  readonly metricsPort: number;
}

/** Listens on the admission port and, unless it is 0, the metrics port; on failure closes what opened. */
async function listenAll(
  server: Server,
  metrics: Metrics,
  config: Readonly<ServeConfig>,
  t: Timeouts,
): Promise<Listening> {
  const servers: Server[] = [server];
  try {
    const port = await listen(server, config.port, config.host, 'admission port');
    if (config.metricsPort === 0) return { servers, port, metricsPort: 0 };
    const m = tuned(createHttpServer({ connectionsCheckingInterval: t.checkIntervalMs }, metricsListener(metrics)), t);
    servers.push(m);
    return { servers, port, metricsPort: await listen(m, config.metricsPort, config.host, 'metrics port') };
  } catch (e) {
    for (const s of servers) s.close();
    throw e;
  }
}

/**
 * The serving certificate: --tls-cert/--tls-key, else the development certificate (made on first
 * use; the module that makes it is loaded only then, so production never pulls in @peculiar/x509).
 */
async function servingCertificate(config: Readonly<ServeConfig>): Promise<{
  paths: { cert: string; key: string };
  pair: KeyPair;
  dev: { caPath: string } | undefined;
}> {
  const dev =
    config.tlsCert === undefined
      ? await (await import('./dev-tls.js')).ensureDevCertificate(config.devTlsDir)
      : undefined;
  const paths = { cert: config.tlsCert ?? dev?.certPath ?? '', key: config.tlsKey ?? dev?.keyPath ?? '' };
  return { paths, pair: await loadKeyPair(paths.cert, paths.key), dev };
}

/** Starts everything and listens; used by runServe and by in-process tests (real TLS, real files). */
export async function startServe(
  config: Readonly<ServeConfig>,
  log: Logger,
  /** Tests shorten these to watch slow clients being cut; production uses TIMEOUTS. */
  t: Timeouts = TIMEOUTS,
): Promise<RunningServer> {
  const metrics = createMetrics();
  // Once the server has started, the large-review worker compiles each new policy set as soon as
  // it is in force, not inside the next large review's deadline.
  const large = new LargeLane({ log });
  let started = false;
  const { store, stop: stopPolicies } = await openPolicies(config, metrics, log, (set) => {
    if (started) large.prepare(set);
  });

  const { paths, pair, dev } = await servingCertificate(config);
  metrics.certificateExpiry.set(pair.notAfter.getTime() / 1000);

  const namespaces = namespaceSource(config, log);
  await namespaces.start();

  let draining = false;
  const ready = (): ReturnType<typeof readiness> =>
    readiness({
      policies: () => policyStatus(store.current().policies.length, store.current().revision, store.lastFailure()),
      certificate: () => certs.status(),
      namespaces: () => namespaces.status(),
      draining: () => draining,
    });
  large.prepare(store.current());
  started = true;
  const listener = createListener({
    policies: () => store.current(),
    namespaces: (name) => namespaces.lookup(name),
    log,
    metrics,
    readiness: ready,
    large,
    draining: () => draining,
  });
  const server = tuned(
    createHttpsServer(
      {
        ...tlsServerOptions(pair),
        handshakeTimeout: t.handshakeMs,
        connectionsCheckingInterval: t.checkIntervalMs,
      },
      listener,
    ),
    t,
  );
  server.on('tlsClientError', (e) => {
    log.debug({ err: e.message }, 'TLS handshake failed');
  });
  const closeUnused = trackUnusedConnections(server);
  const certs = new CertificateWatcher(
    paths,
    pair,
    (p) => {
      server.setSecureContext(secureContextOptions(p));
    },
    certificateReporter(metrics, log),
  );

  const stopAll = async (): Promise<void> => {
    void large.close();
    certs.close();
    namespaces.stop();
    await stopPolicies();
  };
  let listening: Listening;
  try {
    listening = await listenAll(server, metrics, config, t);
  } catch (e) {
    void stopAll();
    throw e;
  }
  const { servers, port, metricsPort } = listening;
  announce(log, config, port, metricsPort, dev?.caPath, store, namespaces);
  return {
    port,
    metricsPort,
    ...(dev ? { caPath: dev.caPath } : {}),
    servers,
    shutdown: (signal) =>
      shutdown(signal, {
        servers,
        drainMs: config.drainMs,
        graceMs: config.shutdownGraceMs,
        log,
        onDrainStart: () => {
          draining = true;
        },
        closeUnused,
        cleanup: stopAll,
      }),
  };
}

/** Required, injecting policies whose namespaceSelector cannot be decided without a namespace's labels. */
export function unknownNamespaceDenials(policies: readonly CompiledPolicy[]): string[] {
  return policies
    .filter(
      (p) =>
        p.required &&
        p.action === 'Inject' &&
        (p.match?.namespaceSelector ?? p.exclude?.namespaceSelector) !== undefined,
    )
    .map((p) => p.name);
}

function announce(
  log: Logger,
  config: ServeConfig,
  port: number,
  metricsPort: number,
  caPath: string | undefined,
  store: PolicyStore,
  namespaces: NamespaceSource,
): void {
  const set = store.current();
  log.info(
    {
      port,
      metricsPort,
      policies: set.policies.map((p) => p.name),
      revision: set.revision,
      namespaces: namespaces.status().source,
      tls: caPath === undefined ? config.tlsCert : `development certificate, CA ${caPath}`,
    },
    'listening',
  );
  const failClosed = unknownNamespaceDenials(set.policies);
  if (config.namespaces.kind === 'file' && failClosed.length > 0)
    log.warn(
      { policies: failClosed, file: config.namespaces.path },
      `a namespace missing from the --namespace-labels file has unknown labels, and these required policies with a namespaceSelector deny every pod created there: ${failClosed.join(', ')}; list every namespace that creates pods in the file`,
    );
  if (caPath !== undefined) {
    process.stderr.write(
      `init-injector: serving https://localhost:${port} with a development certificate (CA: ${caPath})\n` +
        `  curl --cacert ${caPath} https://localhost:${port}/readyz\n`,
    );
  }
}

/** A reporter of policy reloads for a store (metrics and log lines; wiring.ts). */
function policyReporterFor(
  metrics: Metrics,
  log: Logger,
  onChange: (set: PolicySet) => void,
): (store: PolicyStore) => (e: ReloadEvent) => void {
  return (store: PolicyStore): ((e: ReloadEvent) => void) => {
    const report = policyReporter(store, metrics, log);
    return (e) => {
      report(e);
      if (e.ok && e.changed) onChange(store.current());
    };
  };
}

/**
 * The policy store of `--policy-source`: files watched as a ConfigMap volume changes them, or the
 * cluster's InjectionPolicy objects watched with an informer (crd-policies.ts). Files must all be
 * valid for serve to start; objects are judged one by one (docs/install.md).
 */
async function openPolicies(
  config: Readonly<ServeConfig>,
  metrics: Metrics,
  log: Logger,
  onChange: (set: PolicySet) => void,
): Promise<{ store: PolicyStore; stop: () => void | Promise<void> }> {
  const reporter = policyReporterFor(metrics, log, onChange);
  if (config.policySource.kind === 'files') {
    const opened = await PolicyStore.open(config.policies);
    if (!opened.ok) throw new PolicyLoadError(opened.error);
    return { store: opened.value, stop: opened.value.watch(reporter(opened.value)) };
  }
  return openObjectPolicies(config.policySource, reporter, metrics, log);
}
