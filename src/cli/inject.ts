/**
 * `init-injector inject`: the offline preview. Reads manifests, runs every pod template through
 * the engine with the policies of -p, and prints the mutated documents (or patches) in input order.
 * Data goes to stdout; skips, warnings and denials go to stderr. Any denial: nothing on stdout, exit 1.
 */
import { loadPolicies } from '../policy/load.js';
import { formatDiagnostic } from '../policy/diagnostics.js';
import { parseCommandArgs } from './args.js';
import { INJECT_HELP } from './help.js';
import { parseLabelList } from './context.js';
import { denialLine, injectDocument, namespaceConflicts, reportLines } from './documents.js';
import { Exit, type CliIO } from './io.js';
import { readManifest } from './manifests.js';
import { OUTPUT_FORMATS, render, type OutputFormat } from './output.js';

const OPTIONS = {
  policies: { type: 'string', short: 'p', multiple: true },
  filename: { type: 'string', short: 'f' },
  namespace: { type: 'string', short: 'n' },
  'namespace-labels': { type: 'string' },
  output: { type: 'string', short: 'o', default: 'yaml' },
  help: { type: 'boolean', short: 'h' },
} as const;

const isFormat = (value: string): value is OutputFormat => (OUTPUT_FORMATS as readonly string[]).includes(value);

/** Runs `inject` and returns the exit code. */
export async function runInject(argv: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs('inject', argv, OPTIONS);
  if (!parsed.ok) return usage(io, parsed.message);
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(INJECT_HELP);
    return Exit.Ok;
  }
  if (positionals.length > 0)
    return usage(io, `init-injector inject: unexpected argument "${positionals[0] ?? ''}" (use -f FILE)`);
  const policyPaths = values.policies ?? [];
  if (policyPaths.length === 0) return usage(io, 'init-injector inject: -p DIR (the policies) is required');
  if (values.filename === undefined) return usage(io, 'init-injector inject: -f FILE (or -f - for stdin) is required');
  if (!isFormat(values.output)) {
    return usage(io, `init-injector inject: -o "${values.output}" is not one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  let namespaceLabels: Record<string, string> = {};
  if (values['namespace-labels'] !== undefined) {
    const labels = parseLabelList(values['namespace-labels']);
    if ('error' in labels) return usage(io, `init-injector inject: ${labels.error}`);
    namespaceLabels = labels.labels;
  }

  const loaded = await loadPolicies(policyPaths);
  if (!loaded.ok) {
    for (const d of loaded.error) io.err(formatDiagnostic(d) + '\n');
    io.err(
      `init-injector inject: the policies are invalid (${loaded.error.length} problem(s)); nothing was injected\n`,
    );
    return Exit.Failed;
  }
  const manifest = await readManifest(values.filename, io);
  if ('error' in manifest) {
    io.err(`error: ${manifest.error}\n`);
    return Exit.Failed;
  }

  const conflicts = namespaceConflicts(manifest.docs, values.namespace);
  if (conflicts.length > 0) {
    for (const line of conflicts) io.err(`error: ${line}\n`);
    return Exit.Failed;
  }
  const ctx = {
    policies: loaded.value,
    namespaceLabels,
    ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
  };
  const outcomes = manifest.docs.map((doc, i) => injectDocument(doc, i, ctx));
  const templates = outcomes.flatMap((o) => o.templates);
  for (const t of templates) for (const line of reportLines(t)) io.err(line + '\n');
  const denials = templates.map(denialLine).filter((line) => line !== undefined);
  if (denials.length > 0) {
    for (const line of denials) io.err(line + '\n');
    return Exit.Failed;
  }
  io.out(
    render(
      values.output,
      outcomes.map((o) => o.output),
      outcomes.map((o) => o.patch),
    ),
  );
  return Exit.Ok;
}

function usage(io: CliIO, message: string): number {
  io.err(message + '\n');
  return Exit.Usage;
}
