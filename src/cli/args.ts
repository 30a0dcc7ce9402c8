/**
 * Command-line parsing shared by the commands: node:util parseArgs in strict mode, with its
 * errors turned into one line that names the bad flag and where to find help (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags and positionals, or a usage error. */
export type Parsed<O extends Options> =
  | {
      readonly ok: true;
      readonly values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>['values'];
      readonly positionals: string[];
    }
  | { readonly ok: false; readonly message: string };

/** Parses argv for `command`; unknown flags and missing values become a message for stderr. */
export function parseCommandArgs<O extends Options>(command: string, argv: readonly string[], options: O): Parsed<O> {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { ok: true, values, positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      message: `init-injector ${command}: ${firstLine(message)}\nRun "init-injector ${command} --help" for usage.`,
    };
  }
}

function firstLine(message: string): string {
  // parseArgs appends hints such as "To specify a positional argument starting with a '-'…"; keep the first sentence.
  return message.split('. ')[0]?.replace(/\.$/, '') ?? message;
}
