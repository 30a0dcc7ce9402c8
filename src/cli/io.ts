/**
 * The CLI's only contact with the process: stdout for data, stderr for messages, stdin for `-f -`.
 * Commands take a CliIO so that tests can run them in-process and capture both streams.
 */
import { text } from 'node:stream/consumers';

/** Output streams and stdin of one CLI run. */
export interface CliIO {
  /** Data (manifests, patches, summaries). */
  readonly out: (text: string) => void;
  /** Errors, skips, warnings. */
  readonly err: (text: string) => void;
  /** The whole of standard input, for `-f -`. */
  readonly stdin: () => Promise<string>;
}

/** The real process streams. */
export const processIO: CliIO = {
  out: (chunk) => process.stdout.write(chunk),
  err: (chunk) => process.stderr.write(chunk),
  stdin: () => text(process.stdin),
};

/** Exit codes: 0 success, 1 the input was refused or a check failed, 2 the command line is wrong. */
export const Exit = { Ok: 0, Failed: 1, Usage: 2 } as const;

/** Prints a command-line error (one message naming what to fix) and returns Exit.Usage. */
export function usage(io: CliIO, message: string): number {
  io.err(message + '\n');
  return Exit.Usage;
}
