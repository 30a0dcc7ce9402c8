/** A log destination that keeps what is written to it, for tests that read the server's lines. */
import { Writable } from 'node:stream';

/** The stream to hand to createLogger/pino, and what it received so far. */
export interface LogSink {
  readonly stream: Writable;
  /** Everything written, as one string. */
  readonly text: () => string;
  /** The non-empty lines written. */
  readonly lines: () => string[];
}

/** A fresh sink. */
export function logSink(): LogSink {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => out, lines: () => out.split('\n').filter((l) => l !== '') };
}
