/**
 * Connections that never carried a byte of HTTP. Node's closeIdleConnections() leaves a connection
 * alone until its first request ends (it is "waiting for headers" from the start), so a client's
 * spare connection (Go's transport dials one per request and keeps the loser of the race idle for
 * 90 s) would hold a shutdown until the grace period cuts it. Closing a connection on which nothing
 * was sent loses nothing: no request was begun on it.
 */
import type { Server } from 'node:https';
import type { Socket } from 'node:net';

/** Starts tracking `server`'s TLS connections; the function closes those that never sent data. */
export function trackUnusedConnections(server: Server): () => void {
  const unused = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => {
    unused.add(socket);
    const used = (): void => {
      unused.delete(socket);
    };
    socket.once('data', used);
    socket.once('close', used);
  });
  return () => {
    for (const socket of unused) socket.destroy();
    unused.clear();
  };
}
