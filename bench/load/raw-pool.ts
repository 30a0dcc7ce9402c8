/**
 * A lean HTTP/1.1-over-TLS keep-alive connection pool for the open-loop mode. node:https's client
 * costs ~0.4 ms of CPU per request on this machine, so at 2000 req/s it, not the server, was the
 * bottleneck; writing the request bytes ourselves and reading responses by Content-Length (both
 * servers always send it) costs a fraction of that. Like the API server's Go transport: reuse an idle
 * connection, dial a new one when all are busy (up to `max`), queue beyond that.
 */
import { connect, type TLSSocket } from 'node:tls';

/** One answer: status and body, or an error. */
export interface RawAnswer {
  readonly status: number;
  readonly body: string;
  readonly error?: string;
}

interface Job {
  readonly request: Buffer;
  readonly done: (a: RawAnswer) => void;
}

interface Conn {
  readonly socket: TLSSocket;
  job: Job | undefined;
  buf: Buffer;
  dead: boolean;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Builds the bytes of `POST /mutate?timeout=10s` with a JSON body. */
export function mutateRequest(port: number, body: Buffer): Buffer {
  const head = `POST /mutate?timeout=10s HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

/** A pool of keep-alive TLS connections to 127.0.0.1:port. */
export class RawPool {
  private readonly idle: Conn[] = [];
  private readonly queue: Job[] = [];
  private readonly all = new Set<Conn>();
  private dialing = 0;
  private closed = false;
  private readonly port: number;
  private readonly ca: Buffer;
  private readonly max: number;

  constructor(port: number, ca: Buffer, max: number) {
    this.port = port;
    this.ca = ca;
    this.max = max;
  }

  /** Sends one request on an idle (or new) connection; resolves with the answer. */
  send(request: Buffer): Promise<RawAnswer> {
    return new Promise((done) => {
      const job: Job = { request, done };
      const conn = this.idle.pop();
      if (conn !== undefined) this.start(conn, job);
      else {
        this.queue.push(job);
        if (this.all.size + this.dialing < this.max) this.dial();
      }
    });
  }

  /** Closes every connection; pending requests fail. */
  close(): void {
    this.closed = true;
    for (const c of this.all) c.socket.destroy();
    for (const j of this.queue.splice(0)) j.done({ status: 0, body: '', error: 'pool closed' });
  }

  private dial(): void {
    this.dialing += 1;
    const socket = connect({ host: '127.0.0.1', port: this.port, ca: this.ca, servername: 'localhost' });
    socket.setNoDelay(true);
    const conn: Conn = { socket, job: undefined, buf: Buffer.alloc(0), dead: false };
    socket.once('secureConnect', () => {
      this.dialing -= 1;
      this.all.add(conn);
      this.release(conn);
    });
    socket.on('data', (chunk: Buffer) => {
      this.onData(conn, chunk);
    });
    const fail = (message: string): void => {
      if (conn.dead) return; // 'error' is followed by 'close'
      conn.dead = true;
      if (!this.all.delete(conn)) this.dialing -= 1;
      const i = this.idle.indexOf(conn);
      if (i >= 0) this.idle.splice(i, 1);
      const job = conn.job;
      conn.job = undefined;
      if (job !== undefined && !this.closed) job.done({ status: 0, body: '', error: message });
      // Someone may still be waiting for a connection.
      if (!this.closed && this.queue.length > 0 && this.all.size + this.dialing < this.max) this.dial();
    };
    socket.on('error', (e) => {
      fail(e.message);
    });
    socket.on('close', () => {
      fail('connection closed by the server');
    });
  }

  private start(conn: Conn, job: Job): void {
    conn.job = job;
    conn.socket.write(job.request);
  }

  private release(conn: Conn): void {
    const next = this.queue.shift();
    if (next !== undefined) this.start(conn, next);
    else this.idle.push(conn);
  }

  private onData(conn: Conn, chunk: Buffer): void {
    conn.buf = conn.buf.length === 0 ? chunk : Buffer.concat([conn.buf, chunk]);
    const end = conn.buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = conn.buf.subarray(0, end).toString('latin1');
    const m = /content-length:\s*(\d+)/i.exec(head);
    if (m === null) {
      conn.socket.destroy(new Error('response without Content-Length'));
      return;
    }
    const total = end + 4 + Number(m[1]);
    if (conn.buf.length < total) return;
    const status = Number(head.slice(9, 12));
    const body = conn.buf.subarray(end + 4, total).toString('utf8');
    conn.buf = conn.buf.subarray(total);
    const job = conn.job;
    conn.job = undefined;
    job?.done({ status, body });
    if (/\r\nconnection:\s*close/i.test(head)) conn.socket.end();
    else this.release(conn);
  }
}
