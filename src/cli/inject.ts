/**
 * `init-injector inject`: the offline preview. Reads manifests, runs every pod template through
 * the engine with the policies of -p, and prints the mutated documents (or patches) in input order.
 * Data goes to stdout; skips, warnings and denials go to stderr. Any denial: nothing on stdout, exit 1.
 */
import { formatDiagnostic } from '../policy/diagnostics.js';
import { parseCommandArgs } from './args.js';
import { loadPolicySources } from './policy-source.js';
import { INJECT_HELP } from './help.js';
import { parseLabelList } from './context.js';
import { objectsIn, TEMPLATE_PATHS, unknownPodTemplate } from '../kube/workloads.js';
import type { KubeObject } from '../kube/wire.js';
import { denialLine, injectDocument, namespaceConflicts, reportLines, withNamespace } from './documents.js';
import { Exit, usage, type CliIO } from './io.js';
import { readManifest } from './manifests.js';
import { jsonOutput, OUTPUT_FORMATS, patchOutput, type OutputFormat } from './output.js';
import { isMode, MODES } from './webhook-scope.js';
import { editedText } from './yaml-edit.js';

const OPTIONS = {
  policies: { type: 'string', short: 'p', multiple: true },
  filename: { type: 'string', short: 'f' },
  namespace: { type: 'string', short: 'n' },
  'namespace-labels': { type: 'string' },
  output: { type: 'string', short: 'o', default: 'yaml' },
  verbose: { type: 'boolean', short: 'v' },
  mode: { type: 'string' },
  kubeconfig: { type: 'string' },
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
  const mode = values.mode;
  if (mode !== undefined && !isMode(mode))
    return usage(io, `init-injector inject: --mode "${mode}" is not one of ${MODES.join(', ')}`);
  let namespaceLabels: Record<string, string> = {};
  if (values['namespace-labels'] !== undefined) {
    const labels = parseLabelList(values['namespace-labels']);
    if ('error' in labels) return usage(io, `init-injector inject: ${labels.error}`);
    namespaceLabels = labels.labels;
  }

  const loaded = await loadPolicySources(policyPaths, values.kubeconfig);
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
  for (const line of manifest.warnings) io.err(line + '\n');

  const conflicts = namespaceConflicts(manifest.docs, values.namespace);
  if (conflicts.length > 0) {
    for (const line of conflicts) io.err(`error: ${line}\n`);
    return Exit.Failed;
  }
  for (const line of unknownTemplateLines(manifest.docs)) io.err(line + '\n');
  const ctx = {
    policies: loaded.value,
    namespaceLabels,
    ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
    ...(mode === undefined ? {} : { mode }),
  };
  const outcomes = manifest.docs.map((doc, i) => injectDocument(doc, i, ctx));
  const templates = outcomes.flatMap((o) => o.templates);
  for (const t of templates) for (const line of reportLines(t, values.verbose === true)) io.err(line + '\n');
  const denials = templates.map(denialLine).filter((line) => line !== undefined);
  if (denials.length > 0) {
    for (const line of denials) io.err(line + '\n');
    return Exit.Failed;
  }
  if (values.output === 'patch') {
    io.out(patchOutput(outcomes.map((o) => o.patch)));
    return Exit.Ok;
  }
  // -n is written into the objects, so the output lands where the preview assumed.
  const written = outcomes.map((o) =>
    values.namespace === undefined ? { value: o.output, ops: [] } : withNamespace(o.output, values.namespace),
  );
  if (values.output === 'json') {
    io.out(jsonOutput(written.map((w) => w.value)));
    return Exit.Ok;
  }
  let next = 0;
  const text = manifest.entries.map((entry) => {
    if (entry.object === undefined) return entry.source.text;
    const outcome = outcomes[next];
    const out = written[next++];
    if (outcome === undefined || out === undefined) return entry.source.text;
    return editedText(entry.source, [...outcome.patch, ...out.ops], out.value);
  });
  io.out(text.join(''));
  return Exit.Ok;
}

/** One line per kind that looks like it has a pod template we do not know (left unchanged). */
function unknownTemplateLines(docs: readonly KubeObject[]): string[] {
  const seen = new Map<string, string>();
  for (const [obj] of objectsIn(docs)) {
    const path = unknownPodTemplate(obj);
    if (path && obj.kind !== undefined && !seen.has(obj.kind)) seen.set(obj.kind, path.join('.'));
  }
  return [...seen].map(
    ([kind, path]) =>
      `warning: kind ${kind} has what looks like a pod template at ${path}, but inject does not know the kind; its objects are left unchanged (known: ${Object.keys(TEMPLATE_PATHS).join(', ')})`,
  );
}
