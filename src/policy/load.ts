/**
 * Policy files -> one compiled, immutable PolicySet, or every problem of every file, returned as a
 * value rather than thrown: syntax errors, schema errors, Kubernetes object errors, then what
 * compilation finds (regexes, CEL, selectors) and duplicate names across the set. This is the only
 * policy module that touches the file system; parsing and checking are pure.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompiledPolicy, PolicySet } from '../engine/types.js';
import { buildPolicySet, compilePolicy } from './compile.js';
import { type Diagnostic, type Result, err, formatPath } from './diagnostics.js';
import { validateKubeObjects } from './kube-validate.js';
import { type ParsedDocument, parseDocuments } from './parse.js';
import type { PathIssue } from './placeholders.js';
import { API_VERSION, InjectionPolicySchema } from './schema.js';
import { validateWith } from './schema-issues.js';
import { isRecord } from '../engine/equal.js';

const POLICY_FILE = /\.ya?ml$/;

/** The files a path stands for: the path itself, or the *.yaml / *.yml files directly in a directory. */
interface Source {
  readonly path: string;
  readonly files: readonly string[];
  /** For a source held in memory: said after "no policies found in PATH" when it holds none. */
  readonly emptyHint?: string;
}

/** One policy file held in memory, named as problems should name it. */
export interface TextFile {
  readonly file: string;
  readonly text: string;
  /** Keep line numbers in problems (false for an object read from the cluster: it is not a file). */
  readonly lines: boolean;
}

/**
 * Policy files held in memory and loaded as files are: a ConfigMap's keys, or the InjectionPolicy
 * objects read from a cluster. Nothing is written to disk.
 */
export interface MemorySource {
  /** How the source is named in problems, e.g. configmap/NAMESPACE/NAME. */
  readonly source: string;
  readonly files: readonly TextFile[];
  /** Said after "no policies found in SOURCE" when it holds none, e.g. " (expected *.yaml keys)". */
  readonly emptyHint: string;
}

/** What loadPolicies reads: a directory or file path, or files held in memory. */
export type PolicyInput = string | MemorySource;

/**
 * Lists the policy files of each path. A directory contributes its `*.yaml` and `*.yml` files
 * (symlinks followed, as in a ConfigMap mount), sorted by name; subdirectories such as `tests/` and
 * hidden files (editor backups, ConfigMap's `..data`) are not read.
 */
export async function policyFiles(paths: readonly string[]): Promise<{ sources: Source[]; diagnostics: Diagnostic[] }> {
  const sources: Source[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      diagnostics.push({ file: path, line: 0, path: '', message: `cannot read: ${ioReason(error)}` });
      continue;
    }
    if (!info.isDirectory()) {
      sources.push({ path, files: [path] });
      continue;
    }
    let entries: string[];
    try {
      entries = await readdir(path);
    } catch (error) {
      // Gone or unreadable between stat and readdir (a volume being swapped): a diagnostic, never a throw.
      diagnostics.push({ file: path, line: 0, path: '', message: `cannot read: ${ioReason(error)}` });
      continue;
    }
    const names = entries.filter((name) => POLICY_FILE.test(name) && !name.startsWith('.')).sort();
    const files: string[] = [];
    for (const name of names) {
      const file = join(path, name);
      const target = await stat(file).catch(() => undefined);
      if (target?.isFile()) files.push(file);
    }
    sources.push({ path, files });
  }
  return { sources, diagnostics };
}

function ioReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

/** Metadata the API server sets on every object; an object read back from the cluster carries them. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'];

/**
 * An InjectionPolicy as `kubectl get injectionpolicy -o yaml` prints it is a policy too: the fields
 * the API server sets (SERVER_METADATA, `status`) are set aside before the schema, which knows only
 * what a platform team writes.
 */
export function asWritten(value: Record<string, unknown>): Record<string, unknown> {
  const meta = value['metadata'];
  if (!isRecord(meta) && value['status'] === undefined) return value;
  const rest = { ...value };
  delete rest['status'];
  if (!isRecord(meta)) return rest;
  const written = Object.fromEntries(Object.entries(meta).filter(([k]) => !SERVER_METADATA.includes(k)));
  // kubectl's last-applied copy is the object again: not the platform team's annotation.
  const annotations = written['annotations'];
  if (isRecord(annotations) && 'kubectl.kubernetes.io/last-applied-configuration' in annotations) {
    const others = { ...annotations };
    delete others['kubectl.kubernetes.io/last-applied-configuration'];
    written['annotations'] = others;
    if (Object.keys(others).length === 0) delete written['annotations'];
  }
  return { ...rest, metadata: written };
}

/** The documents of a file with every List (kind List or InjectionPolicyList) replaced by its items. */
function expandLists(docs: readonly ParsedDocument[]): ParsedDocument[] {
  return docs.flatMap((doc) => {
    const v = doc.value;
    if (!isRecord(v) || typeof v['kind'] !== 'string' || !v['kind'].endsWith('List') || !Array.isArray(v['items']))
      return [doc];
    return (v['items'] as unknown[]).map((item, i): ParsedDocument => ({
      ...doc,
      value: item,
      lineOf: (path) => doc.lineOf(['items', i, ...path]),
    }));
  });
}

/** Problems of one document before compilation; the validated policy when there are none. */
function checkDocument(doc: ParsedDocument, file: string): { diagnostics: Diagnostic[]; policy?: CompiledPolicy } {
  const at = (issue: PathIssue): Diagnostic => ({
    file,
    line: doc.lineOf(issue.path),
    path: formatPath(issue.path),
    message: issue.message,
  });
  const expected = `expected an InjectionPolicy (apiVersion: ${API_VERSION}, kind: InjectionPolicy)`;
  if (!isRecord(doc.value)) {
    return {
      diagnostics: [
        at({ path: [], message: `${expected}, got ${Array.isArray(doc.value) ? 'a list' : `a ${typeof doc.value}`}` }),
      ],
    };
  }
  const kind = doc.value['kind'];
  if (typeof kind === 'string' && kind !== 'InjectionPolicy') {
    const apiVersion = typeof doc.value['apiVersion'] === 'string' ? ` (${doc.value['apiVersion']})` : '';
    return {
      diagnostics: [
        at({
          path: ['kind'],
          message: `${expected}, got kind ${kind}${apiVersion}; policy files hold only InjectionPolicy documents`,
        }),
      ],
    };
  }
  const value = asWritten(doc.value);
  const checked = validateWith(InjectionPolicySchema, value);
  const kube = validateKubeObjects(value).map(at);
  if (!checked.ok) return { diagnostics: [...checked.issues.map(at), ...kube] };
  // Compile even when the Kubernetes objects have problems, so regex and CEL errors come in the same
  // run. Each rule lives in one pass: the compiler checks none of what validateKubeObjects checks.
  const compiled = compilePolicy(checked.data, { file, line: doc.lineOf(['metadata', 'name']) }, doc.lineOf);
  if (compiled.ok && kube.length === 0) return { diagnostics: [], policy: compiled.value };
  return { diagnostics: [...kube, ...(compiled.ok ? [] : compiled.error)] };
}

/** Problems and policies of one file. */
export function checkFile(
  text: string,
  file: string,
): { diagnostics: Diagnostic[]; policies: CompiledPolicy[]; documents: number } {
  const parsed = parseDocuments(text, file);
  if (!parsed.ok) return { diagnostics: [...parsed.error], policies: [], documents: 0 };
  const diagnostics: Diagnostic[] = [];
  const policies: CompiledPolicy[] = [];
  const docs = expandLists(parsed.value);
  for (const doc of docs) {
    const result = checkDocument(doc, file);
    diagnostics.push(...result.diagnostics);
    if (result.policy) policies.push(result.policy);
  }
  return { diagnostics, policies, documents: docs.length };
}

/** checkFile of a file held in memory; the problems of one that is not a file (an object) have no line. */
export function checkTextFile(f: TextFile): ReturnType<typeof checkFile> {
  const checked = checkFile(f.text, f.file);
  return f.lines ? checked : { ...checked, diagnostics: checked.diagnostics.map((d) => ({ ...d, line: 0 })) };
}

/**
 * Loads every policy of `inputs` (directories, files, or files held in memory) into one PolicySet.
 * On failure, returns every diagnostic of every file, ordered by source (as listed), file and line.
 */
export async function loadPolicies(inputs: readonly PolicyInput[]): Promise<Result<PolicySet, readonly Diagnostic[]>> {
  const sources: Source[] = [];
  const diagnostics: Diagnostic[] = [];
  const held = new Map<string, TextFile>();
  for (const input of inputs) {
    if (typeof input === 'string') {
      const listed = await policyFiles([input]);
      sources.push(...listed.sources);
      diagnostics.push(...listed.diagnostics);
      continue;
    }
    for (const f of input.files) held.set(f.file, f);
    sources.push({ path: input.source, files: input.files.map((f) => f.file), emptyHint: input.emptyHint });
  }
  const policies: CompiledPolicy[] = [];
  const seen = new Set<string>();
  for (const source of sources) {
    let documents = 0;
    for (const file of source.files) {
      if (seen.has(file)) continue; // the same file named twice (a directory and one of its files)
      seen.add(file);
      const inMemory = held.get(file);
      let text: string;
      try {
        text = inMemory?.text ?? (await readFile(file, 'utf8'));
      } catch (error) {
        diagnostics.push({ file, line: 0, path: '', message: `cannot read: ${ioReason(error)}` });
        continue;
      }
      const checked = inMemory ? checkTextFile(inMemory) : checkFile(text, file);
      diagnostics.push(...checked.diagnostics);
      policies.push(...checked.policies);
      documents += checked.documents;
      if (checked.diagnostics.length > 0 && checked.documents === 0) documents++; // a broken file is not "no policies"
    }
    if (documents === 0) {
      const isDir = source.files.length !== 1 || source.files[0] !== source.path;
      const hint =
        source.emptyHint ??
        (isDir ? ' (expected *.yaml or *.yml files directly in the directory; subdirectories are not read)' : '');
      diagnostics.push({ file: source.path, line: 0, path: '', message: `no policies found in ${source.path}${hint}` });
    }
  }
  const set = buildPolicySet(policies);
  if (!set.ok) diagnostics.push(...set.error);
  if (diagnostics.length > 0 || !set.ok) {
    const names = inputs.map((i) => (typeof i === 'string' ? i : i.source));
    return err(ordered(diagnostics, names, sources));
  }
  return set;
}

/** Stable order: files in the order they were listed, then by line. */
function ordered(
  diagnostics: readonly Diagnostic[],
  paths: readonly string[],
  sources: readonly Source[],
): Diagnostic[] {
  const rank = new Map<string, number>();
  for (const path of paths) {
    if (!rank.has(path)) rank.set(path, rank.size);
    for (const source of sources) {
      if (source.path !== path) continue;
      for (const file of source.files) if (!rank.has(file)) rank.set(file, rank.size);
    }
  }
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (rank.get(a.d.file) ?? -1) - (rank.get(b.d.file) ?? -1) || a.d.line - b.d.line || a.i - b.i)
    .map(({ d }) => d);
}
