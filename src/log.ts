/**
 * The pino logger factory. JSON lines on stdout; env values, parameter values, patches, pods and
 * keys are redacted by path wherever a caller might pass them: env values can be secrets, and the
 * webhook sees every pod of the cluster.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Top-level fields pino replaces with "[redacted]" should any log call pass them. No wildcards:
 * fast-redact walks every key for a `*.x` path, which tripled the cost of the per-admission line
 * (measured ~110 us extra per line); log calls pass names and counts, never nested objects.
 */
export const REDACT_PATHS: readonly string[] = [
  'pod',
  'object',
  'oldObject',
  'patch',
  'review',
  'body',
  'spec',
  'env',
  'params',
  'parameters',
  'key',
  'privateKey',
  'cert',
  'req.headers.authorization',
];

/** Options for createLogger; `destination` lets tests capture lines. */
export interface LoggerOptions {
  readonly level?: string;
  readonly destination?: DestinationStream;
  readonly name?: string;
}

/** A JSON logger with redaction; level names as strings ("level":"info") for humans and log pipelines. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      name: options.name ?? 'init-injector',
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

/** A logger that discards everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
