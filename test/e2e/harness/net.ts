/** Small network helpers: free loopback ports, polling, and HTTPS GETs with client certificates. */
import { request } from 'node:https';
import { createServer } from 'node:net';

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}

/** TLS material for an HTTPS GET. */
export interface TlsClient {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  /** TLS server name (SNI and the name the certificate is checked for), when not the URL's host. */
  readonly servername?: string;
}

/** GETs an https URL; resolves with status and body (never rejects on HTTP status). */
export function httpsGet(url: string, tls: TlsClient, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${String(timeoutMs)} ms: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** GETs a plain http URL (metrics port). */
export async function httpGetText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${String(res.status)}`);
  return res.text();
}

/** Thrown by a probe to stop waitFor at once (e.g. the process it waits for has exited). */
export class GiveUp extends Error {}

/**
 * Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs` with the
 * last error and `what` in the message.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      last = error;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
