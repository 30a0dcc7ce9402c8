/**
 * InjectionPolicy objects as the API server returns them, made into a policy set: each object is
 * checked exactly as a file is (load.ts) and is its own source, injectionpolicy/NAME, without line
 * numbers (an object is not a file). Used by `serve --policy-source crd` and `validate --from-cluster`.
 *
 * Unlike files, objects are judged one by one (`settle`): an object that turns invalid keeps its
 * last valid generation in force while every other object's change takes effect, so one team's
 * mistake never freezes the others' policies. The outcome per object is what its status reports.
 */
import { dump } from 'js-yaml';
import type { CompiledPolicy, PolicySet } from '../engine/types.js';
import { canonicalJson } from './canonical.js';
import { buildPolicySet } from './compile.js';
import { err, type Diagnostic, type Result } from './diagnostics.js';
import { asWritten, checkTextFile, type TextFile } from './load.js';

interface ObjectMeta {
  readonly name?: unknown;
  readonly uid?: unknown;
  readonly generation?: unknown;
}

const metaOf = (object: unknown): ObjectMeta => (object as { metadata?: ObjectMeta } | null)?.metadata ?? {};

/** The object's name, or "?" for a nameless one. */
export function objectName(object: unknown): string {
  const name = metaOf(object).name;
  return typeof name === 'string' ? name : '?';
}

/** The name of an object's source in diagnostics. */
function sourceOf(object: unknown): string {
  return `injectionpolicy/${objectName(object)}`;
}

/** What checking an object reads: the object as written (status and server-set metadata aside). */
function writtenForm(object: unknown): string {
  const json = JSON.parse(JSON.stringify(object)) as unknown;
  return canonicalJson(typeof json === 'object' && json !== null ? asWritten(json as Record<string, unknown>) : json);
}

/**
 * An object as a policy file held in memory, checked as files are: named injectionpolicy/NAME and
 * without line numbers (an object is not a file). Also what `-p injectionpolicies...` loads.
 */
export function objectFile(object: unknown): TextFile {
  return { file: sourceOf(object), text: dump(JSON.parse(JSON.stringify(object))), lines: false };
}

/** One object checked on its own: its policy, or its problems. */
function checkObject(object: unknown): { policy?: CompiledPolicy; diagnostics: Diagnostic[] } {
  const { diagnostics, policies } = checkTextFile(objectFile(object));
  const policy = policies[0];
  if (diagnostics.length > 0 || policy === undefined)
    return {
      diagnostics:
        diagnostics.length > 0
          ? diagnostics
          : [{ file: sourceOf(object), line: 0, path: '', message: 'not an InjectionPolicy' }],
    };
  return { policy, diagnostics };
}

/** The set the objects make (in name order), or every problem of every object: all or nothing. */
export function setFromObjects(objects: readonly unknown[]): Result<PolicySet, readonly Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  const policies = [...objects]
    .sort((a, b) => sourceOf(a).localeCompare(sourceOf(b)))
    .flatMap((o) => {
      const checked = checkObject(o);
      diagnostics.push(...checked.diagnostics);
      return checked.policy === undefined ? [] : [checked.policy];
    });
  if (diagnostics.length > 0) return err(diagnostics);
  return buildPolicySet(policies);
}

/** A generation of an object that was valid: what stays in force while a later one is not. */
export interface InForce {
  readonly uid: string;
  readonly generation: number;
  readonly policy: CompiledPolicy;
}

/**
 * An object's check, remembered by its written form: the API server sends an update for every
 * status write and metadata change, and checking (CEL compilation above all) costs about a
 * millisecond per object, so an object whose written form did not change is not checked again.
 */
export interface Checked {
  readonly written: string;
  readonly policy?: CompiledPolicy;
  readonly diagnostics: Diagnostic[];
}

/** What became of one object: the status the webhook reports for it. */
export interface ObjectOutcome {
  readonly name: string;
  /** The object's metadata.generation (0 when the server gave none). */
  readonly generation: number;
  /** The generation serving pods, when one does: this one, or an earlier valid one. */
  readonly inForce?: { readonly generation: number; readonly digest: string };
  /** This generation's problems, each as `path: message` (empty when it is valid). */
  readonly problems: readonly string[];
}

/** The outcome of judging every object. */
export interface Settled {
  readonly set: PolicySet;
  readonly outcomes: readonly ObjectOutcome[];
  /** The problems of the objects that are not in force as written (for logs and /readyz). */
  readonly diagnostics: readonly Diagnostic[];
  /** Pass to the next settle(): the valid generation of each object. */
  readonly kept: ReadonlyMap<string, InForce>;
  /** Pass to the next settle(): each object's check. */
  readonly checked: ReadonlyMap<string, Checked>;
}

/**
 * Judges each object on its own. A valid object is in force as written; an invalid one keeps the
 * generation kept from an earlier call in force (the same object: same uid), or is not in force at
 * all. A deleted object is forgotten. An object whose written form is the one in `checked` (from the
 * previous call) keeps that check.
 */
export function settle(
  objects: readonly unknown[],
  kept: ReadonlyMap<string, InForce>,
  checked: ReadonlyMap<string, Checked> = new Map(),
): Settled {
  const next = new Map<string, InForce>();
  const nextChecked = new Map<string, Checked>();
  const outcomes: ObjectOutcome[] = [];
  const diagnostics: Diagnostic[] = [];
  const sorted = [...objects].sort((a, b) => objectName(a).localeCompare(objectName(b)));
  for (const object of sorted) {
    const meta = metaOf(object);
    const name = objectName(object);
    const uid = typeof meta.uid === 'string' ? meta.uid : '';
    const generation = typeof meta.generation === 'number' ? meta.generation : 0;
    const written = writtenForm(object);
    const known = checked.get(name);
    const check = known?.written === written ? known : { written, ...checkObject(object) };
    nextChecked.set(name, check);
    diagnostics.push(...check.diagnostics);
    const previous = kept.get(name);
    const inForce =
      check.policy !== undefined
        ? { uid, generation, policy: check.policy }
        : previous?.uid === uid
          ? previous
          : undefined;
    if (inForce !== undefined) next.set(name, inForce);
    outcomes.push({
      name,
      generation,
      ...(inForce && { inForce: { generation: inForce.generation, digest: inForce.policy.digest } }),
      problems: check.diagnostics.map((d) => (d.path === '' ? d.message : `${d.path}: ${d.message}`)),
    });
  }
  const built = buildPolicySet([...next.values()].map((k) => k.policy));
  // Object names are unique in the cluster, so the set always builds; a failure here is a bug.
  if (!built.ok) throw new Error(`policy objects made no set: ${built.error.map((d) => d.message).join('; ')}`);
  return { set: built.value, outcomes, diagnostics, kept: next, checked: nextChecked };
}
