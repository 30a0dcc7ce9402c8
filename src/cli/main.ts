/**
 * The `init-injector` command: dispatches to one module per subcommand, each imported only when
 * it runs, so that `--help` and usage errors start fast and only `serve` loads express, TLS and
 * the Kubernetes client. Exit codes: 0 ok, 1 refused/failed, 2 usage error (see io.ts); status adds 3.
 */
import { EXPLAIN_HELP, INJECT_HELP, MAIN_HELP, STATUS_HELP, TEST_HELP, VALIDATE_HELP } from './help.js';
import { Exit, processIO, type CliIO } from './io.js';

type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

// The webhook takes its own flags and streams (it logs JSON with pino).
const serve: Command = async (argv) => (await import('../server/serve.js')).runServe(argv);

const COMMANDS: Readonly<Record<string, Command>> = {
  inject: async (argv, io) => (await import('./inject.js')).runInject(argv, io),
  validate: async (argv, io) => (await import('./validate.js')).runValidate(argv, io),
  test: async (argv, io) => (await import('./test.js')).runTest(argv, io),
  explain: async (argv, io) => (await import('./explain.js')).runExplain(argv, io),
  status: async (argv, io) => (await import('./status.js')).runStatus(argv, io),
  serve,
};

const HELP: Readonly<Record<string, string>> = {
  inject: INJECT_HELP,
  validate: VALIDATE_HELP,
  test: TEST_HELP,
  explain: EXPLAIN_HELP,
  status: STATUS_HELP,
};

/** Runs the CLI with `argv` (without node and the script) and returns the process exit code. */
export async function run(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(MAIN_HELP);
    return name === undefined ? Exit.Usage : Exit.Ok;
  }
  if (name === 'help') return help(rest[0], io);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.err(`init-injector: unknown command "${name}"\n\n${MAIN_HELP}`);
    return Exit.Usage;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    // A bug, not an expected outcome (those are values): say so plainly, with the stack for the report.
    io.err(
      `init-injector ${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return Exit.Failed;
  }
}

async function help(topic: string | undefined, io: CliIO): Promise<number> {
  if (topic === undefined) {
    io.out(MAIN_HELP);
    return Exit.Ok;
  }
  if (topic === 'serve') return serve(['--help'], io);
  const text = Object.hasOwn(HELP, topic) ? HELP[topic] : undefined;
  if (text === undefined) {
    io.err(`init-injector help: unknown command "${topic}"\n\n${MAIN_HELP}`);
    return Exit.Usage;
  }
  io.out(text);
  return Exit.Ok;
}
