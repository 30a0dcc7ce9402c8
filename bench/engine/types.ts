/** Figures of the engine micro-benchmark for one policy-set size. */
export interface EngineFigures {
  readonly policies: number;
  /** How many policies the set's index hands the engine for the bench namespace. */
  readonly candidates: number;
  /** How many policies were applied to the bench pod. */
  readonly injected: number;
  readonly patchOps: number;
  readonly podBytes: number;
  readonly medianUs: number;
  readonly p99Us: number;
  readonly meanUs: number;
  /** Heap bytes allocated per mutate() call (NaN if every batch saw a GC). */
  readonly allocBytesPerOp: number;
  /** Mean thread CPU time per call over a ~0.3 s loop (robust to preemption on a busy machine). */
  readonly cpuMeanUs: number;
  /** Heap growth after retainLoops calls and a full GC (a leak shows here; noise is a few KB). */
  readonly retainedBytes: number;
  readonly retainLoops: number;
}
