/**
 * Connections that never carried a request. Node's closeIdleConnections() leaves a connection
 * alone until its first request ends (it is "waiting for headers" from the start), so a client's
 * spare connection (Go's transport dials one per request and keeps the loser of the race idle for
 * 90 s) would hold a shutdown until the grace period cuts it. Closing a connection on which no
 * request's headers arrived loses nothing: no request was begun on it.
 *
 * A connection counts as used from its first request (the server's `request` event), not from its
 * first bytes: a `data` listener on the socket would make Node's HTTP server stop reading the
 * connection in C++ and pass every TLS record through JavaScript as a buffer of its own, which
 * doubled the memory a large body leaves on the event loop's heap (docs/performance.md).
 */
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import type { Socket } from 'node:net';

/** Starts tracking `server`'s TLS connections; the function closes those that carried no request. */
export function trackUnusedConnections(server: Server): () => void {
  const unused = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => {
      unused.delete(socket);
    });
  });
  server.on('request', (req: IncomingMessage) => {
    unused.delete(req.socket);
  });
  return () => {
    for (const socket of unused) socket.destroy();
    unused.clear();
  };
}
