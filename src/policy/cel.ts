/**
 * CEL conditions, compiled once per load. The expressions are the platform team's; the values they
 * read are the pod author's. Three things keep one pod from stalling the webhook:
 *
 * - `matches()` is RE2 (re2js), linear in the string whatever the pattern, as in Kubernetes' CEL.
 *   cel-js evaluates `matches()` with JavaScript's backtracking RegExp and does not let an overload
 *   be replaced, so the expression is rewritten before it is compiled (parsed by cel-js, changed as
 *   a tree, printed back by cel-js's own serialize): `.matches(` calls our RE2 function.
 * - Every evaluation reads the request through a metering proxy that charges the admission's
 *   CelBudget (engine/cel-budget.ts) per value read, and the RE2 function charges per character.
 * - What the expression computes itself is charged where it is reused: the same rewrite makes the
 *   range of every comprehension (`all`, `exists`, `exists_one`, `map`, `filter`) charge one unit
 *   per item, and every use of an iteration or `cel.bind` variable charge by the size of its value.
 *   So a loop over a list the expression built, or a long string bound once and scanned in a
 *   loop, pays for what it repeats, and no shape of expression escapes the budget.
 */
import { Environment, serialize } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';
import { CelBudget, CelCostExceeded } from '../engine/cel-budget.js';
import type { CelVariables } from '../engine/types.js';
import { firstLine } from './diagnostics.js';

/** The functions the rewrite calls; not names any CEL library defines. */
const RE2_MATCHES = 'matches_re2';
const RANGE = 'ii_range';
const USE = 'ii_use';
const COMPREHENSIONS: ReadonlySet<string> = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** The budget evaluation charges while a condition runs (evaluation is synchronous). */
let active: CelBudget | undefined;

/** Metering proxies: reading through one is charged already, so using one as a variable costs 1. */
const meters = new WeakSet<object>();

const patterns = new Map<string, RE2JS>();
/** Compiled patterns kept; patterns can come from the pod, so the cache is bounded. */
const PATTERN_CACHE = 256;

function re2Matches(subject: string, pattern: string): boolean {
  active?.charge(1 + ((subject.length + pattern.length) >> 2));
  let re = patterns.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch (e) {
      throw new Error(`invalid regular expression (RE2 syntax) ${JSON.stringify(pattern.slice(0, 64))}: ${String(e)}`, {
        cause: e,
      });
    }
    if (patterns.size >= PATTERN_CACHE) patterns.clear();
    patterns.set(pattern, re);
  }
  return re.matcher(subject).find();
}

/** The units a value costs where the expression reuses it: its size. */
function sizeOf(v: unknown): number {
  if (typeof v === 'string') return 1 + (v.length >> 4);
  if (typeof v !== 'object' || v === null || meters.has(v)) return 1;
  if (Array.isArray(v)) return 1 + v.length;
  if (v instanceof Map || v instanceof Set) return 1 + v.size;
  return 1 + Object.keys(v).length;
}

/** A comprehension's range: a list charges one unit per item read, a map its size up front. */
function range(v: unknown): unknown {
  if (!Array.isArray(v) || meters.has(v)) {
    active?.charge(sizeOf(v));
    return v;
  }
  const budget = active;
  return budget === undefined ? v : metered(v, budget);
}

function use(v: unknown): unknown {
  active?.charge(sizeOf(v));
  return v;
}

/** The variables of a MutatingWebhookConfiguration's matchConditions, and the rewrite's functions. */
const cel = new Environment()
  .registerVariable('object', 'map')
  .registerVariable('namespaceObject', 'map')
  .registerVariable('request', 'map')
  .registerFunction(`string.${RE2_MATCHES}(string): bool`, re2Matches)
  .registerFunction(`list.${RANGE}(): list`, range)
  .registerFunction(`map.${RANGE}(): map`, range)
  .registerFunction(`dyn.${USE}(): dyn`, use);

/** The same variables, for parsing only: the source as written, before the rename. */
const source = new Environment()
  .registerVariable('object', 'map')
  .registerVariable('namespaceObject', 'map')
  .registerVariable('request', 'map');

type Node = { op: string; args: unknown };
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && 'op' in v && 'args' in v;
const call = (name: string, receiver: Node): Node => ({ op: 'rcall', args: [name, receiver, []] });

/** A copy of `v` (a node, a list of nodes or a plain value) with every node rewritten. */
function rewriteAll(v: unknown, bound: ReadonlySet<string>): unknown {
  if (isNode(v)) return rewrite(v, bound);
  if (Array.isArray(v)) return v.map((x) => rewriteAll(x, bound));
  return v;
}

/**
 * The expression tree with `.matches(` renamed to RE2, each comprehension's range wrapped in
 * RANGE and each use of a variable in `bound` (iteration and cel.bind variables) wrapped in USE.
 * A new tree of plain nodes: cel-js's serialize reads only `op` and `args`.
 */
function rewrite(n: Node, bound: ReadonlySet<string>): Node {
  if (n.op === 'id') return bound.has(n.args as string) ? call(USE, n) : n;
  if (n.op === 'call' && (n.args as unknown[])[0] === 'has') return n; // has() takes a field path
  if (n.op !== 'rcall') return { op: n.op, args: rewriteAll(n.args, bound) };
  const [name, receiver, args] = n.args as [string, Node, Node[]];
  const declared = args[0]?.op === 'id' ? (args[0].args as string) : undefined;
  const isLoop = COMPREHENSIONS.has(name) && args.length >= 2 && declared !== undefined;
  const isBind = name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && args.length === 3;
  if (!isLoop && !isBind) {
    const renamed = name === 'matches' ? RE2_MATCHES : name;
    return { op: 'rcall', args: [renamed, rewrite(receiver, bound), rewriteAll(args, bound)] };
  }
  const inner = new Set(bound).add(declared ?? '');
  if (isBind) {
    const [variable, value, body] = args as [Node, Node, Node];
    return { op: 'rcall', args: [name, receiver, [variable, rewrite(value, bound), rewrite(body, inner)]] };
  }
  const [variable, ...bodies] = args as [Node, ...Node[]];
  const loopRange = call(RANGE, rewrite(receiver, bound));
  return { op: 'rcall', args: [name, loopRange, [variable, ...bodies.map((b) => rewrite(b, inner))]] };
}

/** An evaluation error as the author wrote the expression: without the rewrite's names. */
function authored(e: unknown): Error {
  const text = e instanceof Error ? e.message : String(e);
  const plain = text.replaceAll(`.${RANGE}()`, '').replaceAll(`.${USE}()`, '').replaceAll(RE2_MATCHES, 'matches');
  return plain === text && e instanceof Error ? e : new Error(plain);
}

/** A value that charges `budget` for every read through it; primitives are returned as they are. */
function metered(value: unknown, budget: CelBudget): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const proxy = new Proxy(value, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      budget.charge(typeof v === 'string' ? 1 + (v.length >> 4) : 1);
      return metered(v, budget);
    },
    has(target, key) {
      budget.charge(1);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      const keys = Reflect.ownKeys(target);
      budget.charge(keys.length);
      return keys;
    },
    getOwnPropertyDescriptor(target, key) {
      budget.charge(1);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
  meters.add(proxy);
  return proxy;
}

/** A compiled condition: evaluate(vars, budget) throws on an error or a spent budget. */
export interface CelProgram {
  readonly resultType: string;
  readonly evaluate: (vars: CelVariables, budget: CelBudget) => unknown;
}

/** Compiles one expression, or returns why it cannot be compiled (first line of the error). */
export function compileCel(expression: string): CelProgram | { problem: string } {
  let ast: Node;
  try {
    const parsed = source.parse(expression);
    const checked = parsed.check();
    if (!checked.valid) return { problem: `invalid CEL: ${firstLine(checked.error)}` };
    ast = parsed.ast;
  } catch (e) {
    return { problem: `invalid CEL: ${firstLine(e)}` };
  }
  const program = cel.parse(serialize(rewrite(ast, new Set()) as Parameters<typeof serialize>[0]));
  const checked = program.check();
  if (!checked.valid) return { problem: `invalid CEL: ${firstLine(checked.error)}` };
  return {
    resultType: String(checked.type),
    evaluate: (vars, budget) => {
      const previous = active;
      active = budget;
      try {
        const value: unknown = program({
          object: metered(vars.object, budget),
          namespaceObject: metered(vars.namespaceObject, budget),
          request: metered(vars.request, budget),
        });
        // CEL's && and || absorb errors: a spent budget fails the condition whatever it returned.
        if (budget.exceeded) throw new CelCostExceeded(budget.limit);
        return value;
      } catch (e) {
        throw budget.exceeded ? new CelCostExceeded(budget.limit) : authored(e);
      } finally {
        active = previous;
      }
    },
  };
}
