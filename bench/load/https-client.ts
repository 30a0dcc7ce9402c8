/**
 * A plain node:https POST of one AdmissionReview, for the open-loop and new-connection modes where
 * autocannon cannot be used (its reconnect mode drops the response it reconnects on, and its rate mode
 * measures from the actual send, which hides queueing).
 */
import { request } from 'node:https';
import type { Agent } from 'node:https';

/** The outcome of one request: status and body, or the error. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly error?: string;
  /** Whether the TLS session was resumed (new-connection mode checks it stays false). */
  readonly resumed: boolean;
}

/** POSTs `body` to /mutate?timeout=10s; `agent: false` gives a new connection with no session cache. */
export function post(port: number, ca: Buffer, agent: Agent | false, body: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate?timeout=10s',
        method: 'POST',
        agent,
        ca,
        servername: 'localhost',
        headers: { 'content-type': 'application/json', 'content-length': body.length },
        timeout: 10_000,
      },
      (res) => {
        // Read now: the socket is detached from the response once it ends.
        const socket = res.socket as { isSessionReused?: () => boolean } | null;
        const resumed = socket?.isSessionReused?.() ?? false;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), resumed });
        });
        res.on('error', (e) => {
          resolve({ status: 0, body: '', error: e.message, resumed: false });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout after 10 s')));
    req.on('error', (e) => {
      resolve({ status: 0, body: '', error: e.message, resumed: false });
    });
    req.end(body);
  });
}
