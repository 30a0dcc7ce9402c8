/**
 * The offline path of the engine (the same mutate() the webhook runs, unchanged): for each
 * document, find its pod template(s), run `mutate` with the namespace and a synthetic request, put
 * the mutated template back, and rebase the patch onto the document. Shared by `inject` and `test`.
 */
import { mutate } from '../engine/index.js';
import { REASON_TEXT } from '../engine/reasons.js';
import type { Labels, MutationResult, Operation, PolicySet } from '../engine/types.js';
import {
  describeObject,
  findPodTemplate,
  isList,
  NAMESPACED_KINDS,
  objectsIn,
  pointerOf,
  withPodTemplate,
} from '../kube/workloads.js';
import type { KubeObject } from '../kube/wire.js';
import { namespaceInfo, syntheticRequest } from './context.js';
import { outOfScope, type Mode } from './webhook-scope.js';

/** What `inject` knows about the target cluster. */
export interface InjectContext {
  readonly policies: PolicySet;
  /** -n: overrides each object's metadata.namespace. */
  readonly namespace?: string;
  /** --namespace-labels: labels of the namespace (kubernetes.io/metadata.name is always added). */
  readonly namespaceLabels?: Labels;
  /** --mode: also apply the mode's namespace rule of the webhook configuration (webhook-scope.ts). */
  readonly mode?: Mode;
}

/** One pod template of a document, run through the engine. */
export interface TemplateOutcome {
  /** `Kind/name` of the object that holds the template. */
  readonly object: string;
  readonly namespace: string;
  readonly result: MutationResult;
  /** Why the webhook would never see this pod (then the result is empty), else undefined. */
  readonly excluded?: string;
}

/** A document after injection. */
export interface DocumentOutcome {
  /** The document with mutated pod templates (the input itself when nothing changed or the kind has no template). */
  readonly output: KubeObject;
  /** Ops that turn the input document into `output`, paths relative to the document. */
  readonly patch: readonly Operation[];
  /** One entry per pod template (none for pass-through kinds; one per item for a List). */
  readonly templates: readonly TemplateOutcome[];
}

function rebase(ops: readonly Operation[], prefix: string): Operation[] {
  if (prefix === '') return [...ops];
  return ops.map((op) => {
    const moved: Operation = { ...op, path: prefix + op.path };
    if ('from' in op) return { ...moved, from: prefix + op.from } as Operation;
    return moved;
  });
}

function injectObject(obj: KubeObject, index: number, ctx: InjectContext, prefix: string): DocumentOutcome {
  if (isList(obj)) {
    const items = obj['items'] as KubeObject[];
    const outcomes = items.map((item, i) => injectObject(item, i, ctx, `${prefix}/items/${i}`));
    const changed = outcomes.some((o, i) => o.output !== items[i]);
    return {
      output: changed ? { ...obj, items: outcomes.map((o) => o.output) } : obj,
      patch: outcomes.flatMap((o) => o.patch),
      templates: outcomes.flatMap((o) => o.templates),
    };
  }
  const slot = findPodTemplate(obj);
  if (slot === undefined) return { output: obj, patch: [], templates: [] };
  const namespace = ctx.namespace ?? obj.metadata?.namespace ?? 'default';
  const info = namespaceInfo(namespace, ctx.namespaceLabels);
  const excluded = outOfScope(slot.pod, namespace, info.labels ?? {}, ctx.mode);
  if (excluded !== undefined) {
    const result = { patch: [], mutated: slot.pod, injected: [], decisions: [], warnings: [] };
    return { output: obj, patch: [], templates: [{ object: describeObject(obj, index), namespace, result, excluded }] };
  }
  const result = mutate({
    pod: slot.pod,
    namespace: info,
    policies: ctx.policies,
    request: syntheticRequest(namespace, slot.pod.metadata?.name),
    allDecisions: true,
  });
  const unchanged = result.patch.length === 0 || result.denial !== undefined;
  return {
    output: unchanged ? obj : withPodTemplate(obj, slot.path, result.mutated),
    patch: unchanged ? [] : rebase(result.patch, prefix + pointerOf(slot.path)),
    templates: [{ object: describeObject(obj, index), namespace, result }],
  };
}

/** Runs one document (a Pod, a workload, a List, or any other kind, which passes through). */
export function injectDocument(doc: KubeObject, index: number, ctx: InjectContext): DocumentOutcome {
  return injectObject(doc, index, ctx, '');
}

/**
 * Objects whose metadata.namespace differs from -n: kubectl refuses those ("the namespace from the
 * provided object does not match"), and so do we, since the webhook would never see such a pod.
 */
export function namespaceConflicts(docs: readonly KubeObject[], namespace: string | undefined): string[] {
  if (namespace === undefined) return [];
  const conflicts: string[] = [];
  for (const [obj, index] of objectsIn(docs)) {
    const own = obj.metadata?.namespace;
    if (own !== undefined && own !== '' && own !== namespace)
      conflicts.push(`${describeObject(obj, index)}: metadata.namespace "${own}" does not match -n "${namespace}"`);
  }
  return conflicts;
}

/**
 * The namespace `-n` gives, written into every object of a namespaced kind that has none (List
 * items one by one), so that `inject -n shop | kubectl apply -f -` lands in shop. Returns the object
 * with the namespace and the ops that add it (paths relative to the document).
 */
export function withNamespace(
  obj: KubeObject,
  namespace: string,
  prefix = '',
): { value: KubeObject; ops: Operation[] } {
  if (isList(obj)) {
    const items = obj['items'] as KubeObject[];
    const done = items.map((item, i) => withNamespace(item, namespace, `${prefix}/items/${i}`));
    const ops = done.flatMap((d) => d.ops);
    return { value: ops.length === 0 ? obj : { ...obj, items: done.map((d) => d.value) }, ops };
  }
  const own = obj.metadata?.namespace;
  if (obj.kind === undefined || !NAMESPACED_KINDS.has(obj.kind) || (own != null && own !== ''))
    return { value: obj, ops: [] };
  if (obj.metadata == null)
    return {
      value: { ...obj, metadata: { namespace } },
      ops: [{ op: 'add', path: `${prefix}/metadata`, value: { namespace } }],
    };
  return {
    value: { ...obj, metadata: { ...obj.metadata, namespace } },
    ops: [{ op: 'add', path: `${prefix}/metadata/namespace`, value: namespace }],
  };
}

/**
 * stderr lines for one template: the engine's warnings, and with `verbose` every skip with its
 * reason sentence first. A skip that is not a warning (a policy the pod did not ask for, a pod the
 * policy does not match) is not news: it is shown only on request.
 */
export function reportLines(t: TemplateOutcome, verbose = false): string[] {
  if (t.excluded !== undefined) return [`excluded: ${t.object}: ${t.excluded}`];
  const skips = t.result.decisions
    .filter((d) => verbose && d.outcome === 'skip')
    .map((d) => {
      const why = d.detail ?? (d.reason === undefined ? 'skipped' : REASON_TEXT[d.reason]);
      return `${d.policy}: skipped for ${t.object}: ${why}`;
    });
  const warnings = t.result.warnings.map((w) => `warning: ${t.object}: ${w}`);
  return [...skips, ...warnings];
}

/** The denial line for a template, or undefined. */
export function denialLine(t: TemplateOutcome): string | undefined {
  const denial = t.result.denial;
  return denial === undefined ? undefined : `error: ${t.object} denied by policy "${denial.policy}": ${denial.message}`;
}
