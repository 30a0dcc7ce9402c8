/**
 * The cost budget of CEL conditions for one admission. Conditions are written by the platform team,
 * but the values they walk come from the pod, and the engine runs on the server's one JavaScript
 * thread: without a bound, one tenant's pod (70,000 containers under a nested `all()`, a long image
 * name under `matches()`) would stall every admission of the cluster. Kubernetes bounds its own CEL
 * the same way, with a cost budget per request.
 *
 * A unit is one value read from the request (a field, a list item, a map's key list counts one per
 * key), plus one per 16 characters of a string read, plus one per 4 characters a regular expression
 * scans. Reads are counted as they happen, so the count is exact and deterministic: the same pod
 * against the same policies spends the same units, on any machine, under any load.
 */

/** Units all conditions of one admission may spend together (docs/semantics.md, "CEL cost"). */
export const CEL_COST_BUDGET = 20_000;

/** Thrown into the evaluation when the budget is spent; the engine reports it as condition_error. */
export class CelCostExceeded extends Error {
  constructor(limit: number) {
    super(`exceeded the CEL cost budget of ${String(limit)} units for one admission`);
    this.name = 'CelCostExceeded';
  }
}

/** The units one admission has spent; shared by every condition evaluated for it. */
export class CelBudget {
  #spent = 0;
  readonly limit: number;

  constructor(limit = CEL_COST_BUDGET) {
    this.limit = limit;
  }

  get spent(): number {
    return this.#spent;
  }

  get exceeded(): boolean {
    return this.#spent > this.limit;
  }

  /** Adds `units`; throws once the budget is spent (and on every later charge). */
  charge(units: number): void {
    this.#spent += units;
    if (this.#spent > this.limit) throw new CelCostExceeded(this.limit);
  }
}
