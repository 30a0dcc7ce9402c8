/**
 * The `init-injector` command: dispatches to one module per subcommand. `serve` is imported
 * lazily so that inject/validate/test never load express, TLS or the Kubernetes client.
 * Exit codes: 0 ok, 1 refused/failed, 2 usage error (see io.ts).
 */
import { INJECT_HELP, runInject } from './inject.js';
import { Exit, processIO, type CliIO } from './io.js';
import { runTest, TEST_HELP } from './test.js';
import { runValidate, VALIDATE_HELP } from './validate.js';

/** Top-level usage text. */
export const MAIN_HELP = `Usage: init-injector <command> [options]

Commands:
  inject     preview injection offline: init-injector inject -p policies/ -f deploy.yaml [-o yaml|json|patch]
  validate   check policy files: init-injector validate policies/
  test       run PolicyTest suites: init-injector test policies/tests
  serve      run the admission webhook (HTTPS): init-injector serve --policies policies/
  help       show this help, or "init-injector help <command>"

Run "init-injector <command> --help" for a command's options.
`;

type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

const serve: Command = async (argv) => {
  // Dynamic import: only `serve` pays for express, pino and the Kubernetes client.
  const { runServe } = await import('../server/serve.js');
  return runServe(argv);
};

const COMMANDS: Readonly<Record<string, Command>> = {
  inject: runInject,
  validate: runValidate,
  test: runTest,
  serve,
};

const HELP: Readonly<Record<string, string>> = { inject: INJECT_HELP, validate: VALIDATE_HELP, test: TEST_HELP };

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
