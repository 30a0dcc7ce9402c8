/**
 * `init-injector validate`: loads policies exactly as the webhook does and prints every problem in
 * every file as `file:line: path: message`, or a one-line summary when all is well.
 */
import { formatDiagnostic, type Diagnostic, type Result } from '../policy/diagnostics.js';
import type { PolicySet } from '../engine/types.js';
import { loadPolicies } from '../policy/load.js';
import { parseCommandArgs } from './args.js';
import { clusterPolicies } from './cluster-policies.js';
import { VALIDATE_HELP } from './help.js';
import { Exit, type CliIO } from './io.js';

/** Runs `validate` and returns the exit code. */
export async function runValidate(argv: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs('validate', argv, {
    help: { type: 'boolean', short: 'h' },
    'from-cluster': { type: 'boolean' },
    kubeconfig: { type: 'string' },
  } as const);
  if (!parsed.ok) {
    io.err(parsed.message + '\n');
    return Exit.Usage;
  }
  if (parsed.values.help === true) {
    io.out(VALIDATE_HELP);
    return Exit.Ok;
  }
  const fromCluster = parsed.values['from-cluster'] === true;
  if (fromCluster === parsed.positionals.length > 0) {
    io.err(
      'init-injector validate: give at least one policy directory or file, or --from-cluster (not both)\nRun "init-injector validate --help" for usage.\n',
    );
    return Exit.Usage;
  }
  let loaded: Result<PolicySet, readonly Diagnostic[]>;
  if (fromCluster) {
    const got = await clusterPolicies(parsed.values.kubeconfig);
    if ('error' in got) {
      io.err(`init-injector validate: ${got.error}\n`);
      return Exit.Failed;
    }
    loaded = got.loaded;
  } else loaded = await loadPolicies(parsed.positionals);
  if (!loaded.ok) {
    for (const d of loaded.error) io.err(formatDiagnostic(d) + '\n');
    const files = new Set(loaded.error.map((d) => d.file)).size;
    io.err(`${loaded.error.length} problem(s) in ${files} file(s)\n`);
    return Exit.Failed;
  }
  const count = loaded.value.policies.length;
  if (count === 0) {
    const where = fromCluster ? 'the cluster' : parsed.positionals.join(', ');
    io.err(`init-injector validate: no InjectionPolicy found in ${where}\n`);
    return Exit.Failed;
  }
  io.out(`${count} ${count === 1 ? 'policy' : 'policies'} valid\n`);
  return Exit.Ok;
}
