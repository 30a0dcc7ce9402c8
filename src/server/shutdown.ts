/**
 * Graceful shutdown on SIGTERM/SIGINT, in the order a rolling update needs (as knative drains and
 * controller-runtime shuts down; docs/operations.md, "Shutdown and drain"):
 *
 *   1. readiness reports not ready, so the endpoint leaves the Service;
 *   2. keep serving for the drain window (--drain, default 5 s): the API server keeps using kept-alive
 *      connections to a terminating pod for a while (kubernetes#127335), and it never retries a POST
 *      that hits a closed connection, so closing at once fails admissions. Every response in this
 *      window carries `Connection: close`, which moves clients off this pod one connection at a
 *      time without a race;
 *   3. stop accepting, close idle keep-alive connections, let requests in flight finish;
 *   4. exit 0 when every connection is gone, or cut the rest at --shutdown-grace (default 15 s, below
 *      the default terminationGracePeriodSeconds of 30 s) and exit 1.
 */
import type { Server } from 'node:http';
import type { Logger } from '../log.js';

/** What shutdown needs to know and do. */
export interface ShutdownOptions {
  readonly servers: readonly Server[];
  readonly drainMs: number;
  readonly graceMs: number;
  readonly log: Logger;
  /** Called first: flips readiness and makes responses carry Connection: close. */
  readonly onDrainStart: () => void;
  /** Closes connections that never carried a request (unused-connections.ts); swept with the idle ones. */
  readonly closeUnused?: () => void;
  /** Called after the servers closed (stop watchers, informers, hand back a Lease); awaited up to 2 s. */
  readonly cleanup: () => void | Promise<void>;
}

/** How often idle connections are closed while the servers wait for the last ones. */
const IDLE_SWEEP_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function closed(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => {
      resolve();
    });
  });
}

/** Runs the shutdown sequence; resolves with the exit code (0 clean, 1 connections had to be cut). */
export async function shutdown(signal: string, o: ShutdownOptions): Promise<number> {
  const started = Date.now();
  o.onDrainStart();
  o.log.info({ signal, drainMs: o.drainMs, graceMs: o.graceMs }, 'shutting down: not ready, draining');
  await sleep(o.drainMs);
  const all = Promise.all(o.servers.map(closed));
  const closeIdle = (): void => {
    for (const s of o.servers) s.closeIdleConnections();
    o.closeUnused?.();
  };
  closeIdle();
  // Again until the end: a connection accepted before the listener closed whose TLS handshake ends
  // afterwards (a client's spare dial) appears only then, and would otherwise hold the shutdown
  // until the grace period cuts it.
  const idleSweep = setInterval(closeIdle, IDLE_SWEEP_MS);
  const remaining = Math.max(0, o.graceMs - (Date.now() - started));
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    all.then(() => 'clean' as const),
    new Promise<'cut'>(
      (r) =>
        (timer = setTimeout(() => {
          r('cut');
        }, remaining)),
    ),
  ]);
  if (timer !== undefined) clearTimeout(timer);
  clearInterval(idleSweep);
  if (outcome === 'cut') {
    for (const s of o.servers) s.closeAllConnections();
    o.log.warn({ ms: Date.now() - started }, 'shutdown grace elapsed: open connections were cut');
  }
  // Bounded, and the timer never holds the process: a Lease hand-back must not delay the exit.
  await Promise.race([o.cleanup(), new Promise<void>((r) => setTimeout(r, 2_000).unref())]);
  o.log.info({ ms: Date.now() - started, clean: outcome === 'clean' }, 'stopped');
  return outcome === 'clean' ? 0 : 1;
}

/**
 * Resolves with the first of SIGTERM/SIGINT. A second signal during shutdown cuts every connection
 * at once (an operator pressing Ctrl-C twice).
 */
export function nextSignal(servers: readonly Server[], log: Logger): Promise<string> {
  return new Promise((resolve) => {
    let seen = false;
    const on = (signal: string): void => {
      if (seen) {
        log.warn({ signal }, 'second signal: closing every connection now');
        for (const s of servers) s.closeAllConnections();
        return;
      }
      seen = true;
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}
