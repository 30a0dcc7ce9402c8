/**
 * Compiles a validated InjectionPolicy into the engine's CompiledPolicy, once per load: selectors,
 * namespace globs, CEL programs, parameter patterns and templates are all prepared here so that
 * mutate() only evaluates. Every problem is reported (not just the first) as a Diagnostic with the
 * line of the field. The result is deeply frozen: a PolicySet is immutable, so requests keep the
 * set they started with while a reload builds a new one.
 */
import { canonicalJson, sha256 } from './canonical.js';
import { RE2JS } from 're2js';
import { qualifiedNameProblem } from '../kube/names.js';
import { candidateIndex } from './candidates.js';
import { compileNamespaces, compileSelector } from './selectors.js';
import { compileTemplates } from './templates.js';
import { typedParameter } from './typed-params.js';
import type {
  Anchor,
  CompiledCondition,
  CompiledMatch,
  CompiledParameter,
  CompiledPolicy,
  PolicySet,
  ValuePattern,
  SourceRef,
} from '../engine/types.js';
import type { Container, Volume, VolumeMount } from '../kube/wire.js';
import { CelBudget, CelCostExceeded } from '../engine/cel-budget.js';
import { compileCel } from './cel.js';
import { err, firstLine, formatPath, ok, type Diagnostic, type Result } from './diagnostics.js';
import type { InjectionPolicy, Match } from './schema.js';

type Path = readonly PropertyKey[];

/** Collects every problem of one policy document, with its line. */
class Collector {
  readonly list: Diagnostic[] = [];
  readonly #source: SourceRef;
  readonly #lineOf: (path: Path) => number;
  constructor(source: SourceRef, lineOf: (path: Path) => number) {
    this.#source = source;
    this.#lineOf = lineOf;
  }
  add(path: Path, message: string): void {
    this.list.push({ file: this.#source.file, line: this.#lineOf(path), path: formatPath(path), message });
  }
}

/**
 * A parameter pattern, anchored (the whole value must match, even if the author forgot ^…$) and
 * matched by RE2 (re2js): in time linear in the value, whatever the pattern. Values are untrusted
 * pod annotations, and the engine runs on the event loop: with a backtracking engine, a pattern like
 * `(a|aa)+` and a few dozen characters of annotation would stall every admission of the cluster.
 * RE2 is also what Kubernetes' own CEL `matches()` uses; it has no lookaround or backreferences.
 */
export function valuePattern(source: string): ValuePattern {
  RE2JS.compile(source); // an error names the pattern as the author wrote it, not the anchored one
  const re = RE2JS.compile(`^(?:${source})$`);
  return { source, test: (value) => re.matches(value) };
}

function compileCondition(
  c: { name: string; expression: string },
  path: Path,
  d: Collector,
): CompiledCondition | undefined {
  const at = [...path, 'expression'];
  const program = compileCel(c.expression);
  if ('problem' in program) {
    d.add(at, program.problem);
    return undefined;
  }
  // 'dyn' cannot be decided before evaluation; the engine treats a non-bool result as an error then.
  if (program.resultType !== 'bool' && program.resultType !== 'dyn') {
    d.add(at, `a condition must yield a bool, this expression yields ${program.resultType}`);
    return undefined;
  }
  if (exceedsOnEmptyPod(program.evaluate)) {
    d.add(at, 'exceeds the CEL cost budget of one admission even for an empty pod: it can never be evaluated');
    return undefined;
  }
  return { name: c.name, expression: c.expression, evaluate: program.evaluate };
}

/** Whether the condition spends the whole budget on a pod with nothing in it. */
function exceedsOnEmptyPod(evaluate: CompiledCondition['evaluate']): boolean {
  const empty = { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [] } };
  try {
    evaluate({ object: empty, namespaceObject: { metadata: {} }, request: {} }, new CelBudget());
  } catch (e) {
    return e instanceof CelCostExceeded;
  }
  return false;
}

function compileMatch(m: Match | undefined, path: Path, d: Collector): CompiledMatch | undefined {
  if (m === undefined) return undefined;
  const out: {
    -readonly [K in keyof CompiledMatch]: CompiledMatch[K];
  } = {};
  if (m.namespaces !== undefined) {
    const r = compileNamespaces(m.namespaces);
    for (const p of r.problems) d.add([...path, 'namespaces', ...p.path], p.message);
    out.namespaces = r.namespaces;
  }
  for (const key of ['namespaceSelector', 'podSelector'] as const) {
    const selector = m[key];
    if (selector === undefined) continue;
    const r = compileSelector(selector);
    for (const p of r.problems) d.add([...path, key, ...p.path], p.message);
    out[key] = r.matcher;
  }
  const firstLabel = Object.keys(m.podSelector?.matchLabels ?? {}).sort()[0];
  if (firstLabel !== undefined) out.podLabelKey = [firstLabel, m.podSelector?.matchLabels?.[firstLabel] ?? ''];
  if (m.conditions !== undefined) {
    const names = new Set<string>();
    const conditions: CompiledCondition[] = [];
    m.conditions.forEach((c, i) => {
      if (names.has(c.name)) d.add([...path, 'conditions', i, 'name'], `duplicate condition name "${c.name}"`);
      names.add(c.name);
      const compiled = compileCondition(c, [...path, 'conditions', i], d);
      if (compiled) conditions.push(compiled);
    });
    out.conditions = conditions;
  }
  return out;
}

function compileParameters(doc: InjectionPolicy, d: Collector): CompiledParameter[] {
  const seen = new Set<string>();
  return doc.spec.parameters.map((p, i): CompiledParameter => {
    const at = ['spec', 'parameters', i];
    if (seen.has(p.name)) d.add([...at, 'name'], `duplicate parameter name "${p.name}"`);
    seen.add(p.name);
    const annotation = p.annotation ?? `init-injector.io/${doc.metadata.name}.${p.name}`;
    const problem = qualifiedNameProblem(annotation);
    if (problem) d.add([...at, p.annotation === undefined ? 'name' : 'annotation'], `annotation key ${problem}`);
    let pattern: ValuePattern | undefined;
    if (p.pattern !== undefined) {
      try {
        pattern = valuePattern(p.pattern);
      } catch (e) {
        d.add([...at, 'pattern'], `invalid regular expression (RE2 syntax): ${firstLine(e)}`);
      }
    }
    if (p.maxLength !== undefined && p.default !== undefined && p.default.length > p.maxLength)
      d.add(
        [...at, 'default'],
        `default is ${String(p.default.length)} characters long; maxLength is ${String(p.maxLength)}`,
      );
    if (pattern && p.default !== undefined && !pattern.test(p.default))
      d.add([...at, 'default'], `default ${JSON.stringify(p.default)} does not match pattern ${pattern.source}`);
    const bounds = typedParameter(p, (field, message) => {
      d.add([...at, field], message);
    });
    return {
      name: p.name,
      type: p.type,
      ...bounds,
      annotation,
      ...(p.default !== undefined ? { default: p.default } : {}),
      ...(p.maxLength !== undefined ? { maxLength: p.maxLength } : {}),
      ...(pattern ? { pattern } : {}),
    };
  });
}

/** The validated document each compiled policy came from (policySource). */
const documents = new WeakMap<CompiledPolicy, InjectionPolicy>();

/** What a PolicySet was compiled from: plain data that crosses to a worker thread as it is. */
export interface PolicySource {
  readonly revision: string;
  readonly entries: readonly { readonly document: InjectionPolicy; readonly source: SourceRef }[];
}

/** The documents behind `set`, to compile the same set elsewhere (rebuildPolicySet). */
export function policySource(set: PolicySet): PolicySource {
  const entries = set.policies.map((p) => {
    const document = documents.get(p);
    if (document === undefined) throw new Error(`policy ${p.name} was not compiled by compilePolicy`);
    return { document, source: p.source };
  });
  return { revision: set.revision, entries };
}

/** The PolicySet `policySource` describes; its revision is the same, since its digests are. */
export function rebuildPolicySet(from: PolicySource): Result<PolicySet, Diagnostic[]> {
  const compiled: CompiledPolicy[] = [];
  for (const { document, source } of from.entries) {
    const r = compilePolicy(document, source, () => source.line);
    if (!r.ok) return r;
    compiled.push(r.value);
  }
  return buildPolicySet(compiled);
}

/** Compiles one validated policy document. Returns every problem found, with file and line. */
export function compilePolicy(
  doc: InjectionPolicy,
  source: SourceRef,
  lineOf: (path: readonly PropertyKey[]) => number,
): Result<CompiledPolicy, Diagnostic[]> {
  const d = new Collector(source, lineOf);
  const spec = doc.spec;
  const match = compileMatch(spec.match, ['spec', 'match'], d);
  const exclude = compileMatch(spec.exclude, ['spec', 'exclude'], d);
  const parameters = compileParameters(doc, d);
  // Copies: the result is frozen, and freezing must not reach into the caller's document.
  const initContainers = structuredClone(spec.initContainers) as unknown as Container[];
  const volumes = structuredClone(spec.volumes) as unknown as Volume[];
  const mounts = structuredClone(spec.volumeMounts?.mounts ?? []) as unknown as VolumeMount[];
  if (spec.operatingSystems.includes('windows')) windowsProblems(initContainers, d);
  const imagePullSecrets = pullSecretNames(spec.imagePullSecrets, d);
  const anchor = compileAnchor(spec.anchor, initContainers, d);
  if (d.list.length > 0) return err(d.list);
  const containersSpec = spec.volumeMounts?.containers ?? ['*'];
  // Besides the rendered objects, what decides where they land in a pod: part of every render digest.
  const shape = canonicalJson({
    placement: spec.placement,
    anchor,
    volumeMounts: { containers: containersSpec, sidecars: spec.volumeMounts?.sidecars ?? 'AfterInjected' },
    qos: spec.qos,
    // Only when set: a policy without them keeps the digests its pods recorded before the field existed.
    imagePullSecrets: imagePullSecrets.length > 0 ? imagePullSecrets : undefined,
  });
  const render = compileTemplates({ initContainers, volumes, mounts }, new Set(parameters.map((p) => p.name)), shape);

  const compiled: CompiledPolicy = {
    name: doc.metadata.name,
    description: spec.description,
    mode: spec.mode,
    required: spec.required,
    priority: spec.priority,
    placement: spec.placement,
    ...(anchor ? { anchor } : {}),
    action: spec.action,
    onConflict: spec.onConflict,
    operatingSystems: [...new Set(spec.operatingSystems)],
    qos: { preserve: [...new Set(spec.qos.preserve)], guaranteedFrom: spec.qos.guaranteedFrom },
    ...(match ? { match } : {}),
    ...(exclude ? { exclude } : {}),
    parameters,
    initContainers,
    volumes,
    volumeMounts: {
      containers: containersSpec === '*' || containersSpec.includes('*') ? '*' : containersSpec,
      sidecars: spec.volumeMounts?.sidecars ?? 'AfterInjected',
      mounts,
    },
    imagePullSecrets,
    source,
    containerNames: initContainers.map((c) => c.name),
    render,
    digest: sha256(canonicalJson(doc)),
  };
  documents.set(compiled, doc);
  return ok(deepFreeze(compiled));
}

/** spec.anchor as the engine reads it; naming one of the policy's own containers is a load error. */
function compileAnchor(
  anchor: { before?: string | undefined; after?: string | undefined } | undefined,
  containers: readonly Container[],
  d: Collector,
): Anchor | undefined {
  if (anchor === undefined) return undefined;
  const [side, name] = anchor.before !== undefined ? ['before', anchor.before] : ['after', anchor.after ?? ''];
  if (containers.some((c) => c.name === name))
    d.add(
      ['spec', 'anchor', side],
      `"${name}" is one of this policy's own init containers: an anchor names a container of the pod (or of an earlier policy)`,
    );
  return side === 'before' ? { before: name } : { after: name };
}

/** The Secret names of spec.imagePullSecrets; a name listed twice is a load error, as in a pod. */
function pullSecretNames(list: readonly { name: string }[], d: Collector): string[] {
  const names: string[] = [];
  list.forEach(({ name }, i) => {
    if (names.includes(name))
      d.add(
        ['spec', 'imagePullSecrets', i, 'name'],
        `duplicate Secret name "${name}" (also spec.imagePullSecrets[${String(names.indexOf(name))}])`,
      );
    else names.push(name);
  });
  return names;
}

/**
 * The container securityContext fields the API server refuses in a Windows pod ("cannot be set for
 * a windows pod"): a policy that targets Windows cannot carry them, or every pod it injects into
 * would be refused with it.
 */
const LINUX_ONLY_SECURITY = [
  'appArmorProfile',
  'seLinuxOptions',
  'seccompProfile',
  'capabilities',
  'readOnlyRootFilesystem',
  'privileged',
  'allowPrivilegeEscalation',
  'procMount',
  'runAsUser',
  'runAsGroup',
] as const;

function windowsProblems(containers: readonly Container[], d: Collector): void {
  containers.forEach((c, i) => {
    const sc = c.securityContext as Record<string, unknown> | undefined | null;
    if (sc == null) return;
    for (const field of LINUX_ONLY_SECURITY)
      if (sc[field] !== undefined && sc[field] !== null)
        d.add(
          ['spec', 'initContainers', i, 'securityContext', field],
          'is Linux-only: the API server refuses it in a Windows pod, and spec.operatingSystems includes windows (use securityContext.windowsOptions, or a separate policy per operating system)',
        );
  });
}

/** Freezes plain objects and arrays all the way down; RegExps, Sets and functions are left alone. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) !== Object.prototype &&
    Object.getPrototypeOf(value) !== null
  )
    return value;
  Object.freeze(value);
  for (const child of Object.values(value as object)) deepFreeze(child);
  return value;
}

/**
 * Orders policies by (priority, name), rejects duplicate names (naming both places) and builds
 * the namespace index behind `candidates()`.
 */
export function buildPolicySet(policies: readonly CompiledPolicy[]): Result<PolicySet, Diagnostic[]> {
  const sorted = [...policies].sort((a, b) =>
    a.priority !== b.priority ? a.priority - b.priority : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const byName = new Map<string, CompiledPolicy>();
  const diagnostics: Diagnostic[] = [];
  for (const p of sorted) {
    const first = byName.get(p.name);
    if (first) {
      diagnostics.push({
        file: p.source.file,
        line: p.source.line,
        path: 'metadata.name',
        message: `duplicate policy name "${p.name}", also defined at ${first.source.file}:${first.source.line}`,
      });
    } else byName.set(p.name, p);
  }
  if (diagnostics.length > 0) return err(diagnostics);

  const candidates = candidateIndex(sorted);

  const revision = sha256(sorted.map((p) => `${p.name}:${p.digest}`).join('\n')).slice(0, 12);
  return ok(Object.freeze({ policies: Object.freeze(sorted), byName, candidates, revision }));
}
