/**
 * A tiny TCP load balancer that stands in for a Kubernetes Service in front of webhook replicas:
 * the MutatingWebhookConfiguration points at one address (one URL, one caBundle) and TLS passes
 * through untouched, so each replica serves its own certificate from the shared CA. Like
 * kube-proxy with EndpointSlices, new connections go round-robin only to replicas whose /readyz
 * answered 200 at the last probe (every `probeMs`); established connections stay pinned to their
 * replica (the API server keeps them alive), and a connection to a dead replica is not retried.
 */
import https from 'node:https';
import net from 'node:net';

/** One replica behind the balancer. */
export interface Backend {
  readonly name: string;
  readonly port: number;
}

interface State extends Backend {
  ready: boolean;
  connections: number;
}

/** A running balancer. */
export interface Balancer {
  readonly port: number;
  /** Connections accepted per backend name since start. */
  readonly connections: () => Record<string, number>;
  /** Connections refused because no backend was ready. */
  readonly noBackend: () => number;
  /** Replica names currently considered ready. */
  readonly ready: () => string[];
  stop(): Promise<void>;
}

function probe(port: number, ca: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/readyz', ca, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      resolve(false);
    });
  });
}

/** Starts the balancer on 127.0.0.1 (free port) in front of `backends`. */
export async function startBalancer(backends: readonly Backend[], ca: string, probeMs = 250): Promise<Balancer> {
  const states: State[] = backends.map((b) => ({ ...b, ready: false, connections: 0 }));
  let next = 0;
  let refused = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const ready = states.filter((s) => s.ready);
    const target = ready[next++ % Math.max(1, ready.length)];
    if (target === undefined) {
      refused++;
      client.destroy();
      return;
    }
    target.connections++;
    const upstream = net.connect(target.port, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  let probing = true;
  const loop = async (): Promise<void> => {
    while (probing) {
      await Promise.all(
        states.map(async (s) => {
          s.ready = await probe(s.port, ca, Math.max(200, probeMs));
        }),
      );
      await new Promise((r) => setTimeout(r, probeMs));
    }
  };
  const probes = loop();
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as net.AddressInfo).port);
    });
  });
  return {
    port,
    connections: () => Object.fromEntries(states.map((s) => [s.name, s.connections])),
    noBackend: () => refused,
    ready: () => states.filter((s) => s.ready).map((s) => s.name),
    stop: async () => {
      probing = false;
      await probes;
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) =>
        server.close(() => {
          r();
        }),
      );
    },
  };
}
