/**
 * What kube-proxy does for a real cluster, for the API server only: it dials a Service-referenced
 * webhook (`clientConfig.service`) at the Service's ClusterIP and port, which nothing on this
 * machine holds. The API server is started with HTTPS_PROXY pointing here (and NO_PROXY for
 * loopback and the node's subnet, which it dials directly), so such a dial arrives as
 * `CONNECT <clusterIP>:<port>`; a routed target is tunnelled to the webhook's loopback port, any
 * other is answered 503, as a Service without ready endpoints refuses connections. The tunnel is
 * plain TCP: TLS stays between the API server and the webhook, which must present a certificate
 * for `<service>.<namespace>.svc` signed by the configuration's caBundle.
 */
import { connect, createServer, type Socket } from 'node:net';

/** The router in front of the Service ClusterIPs. */
export interface ServiceRouter {
  /** http://127.0.0.1:PORT, the API server's HTTPS_PROXY. */
  readonly url: string;
  /** Sends connections for `clusterIP:port` to 127.0.0.1:`backendPort` (an endpoint becoming ready). */
  route(target: string, backendPort: number): void;
  /** Stops routing `clusterIP:port` (the endpoint is gone). */
  unroute(target: string): void;
  /** CONNECTs seen for `target` so far, routed or not. */
  connects(target: string): number;
  close(): Promise<void>;
}

/** The API server's environment for the router: proxy Service IPs, nothing else. */
export function proxyEnv(router: ServiceRouter): NodeJS.ProcessEnv {
  return {
    HTTPS_PROXY: router.url,
    HTTP_PROXY: router.url,
    // Loopback is never proxied by Go; the node's subnet (kubelet logs/exec) is dialled directly.
    NO_PROXY: '127.0.0.1,localhost,10.213.7.0/24',
  };
}

/** Starts the router on a free loopback port. */
export async function startServiceRouter(): Promise<ServiceRouter> {
  const routes = new Map<string, number>();
  const seen = new Map<string, number>();
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = createServer((client) => {
    track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 8192) client.destroy();
        return;
      }
      client.off('data', onData);
      client.pause();
      const [method, target] = head.subarray(0, end).toString('latin1').split('\r\n')[0]?.split(' ') ?? [];
      const rest = head.subarray(end + 4);
      if (method !== 'CONNECT' || target === undefined) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      seen.set(target, (seen.get(target) ?? 0) + 1);
      const port = routes.get(target);
      if (port === undefined) {
        client.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
        return;
      }
      const upstream = connect(port, '127.0.0.1');
      track(upstream);
      upstream.once('connect', () => {
        client.write('HTTP/1.1 200 Connection established\r\n\r\n');
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.once('error', () => {
        if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      });
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('service router: no port');
  server.unref();
  return {
    url: `http://127.0.0.1:${String(address.port)}`,
    route: (target, backendPort) => routes.set(target, backendPort),
    unroute: (target) => routes.delete(target),
    connects: (target) => seen.get(target) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
