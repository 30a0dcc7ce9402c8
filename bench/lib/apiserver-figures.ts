/**
 * The figures of the API-server section and how the pod-create overhead splits, from latency samples
 * of four kinds of namespace created side by side:
 *  - none:       no webhook registered;
 *  - floor:      the bare floor answering `allowed: true` with no patch (the cheapest webhook
 *                possible), registered like ours: floor − none is what calling any webhook costs
 *                the API server (CEL match condition, serialize the review, TLS round trip, decode);
 *  - floorPatch: the floor answering our own patch, reinvocationPolicy Never (a fixed patch is not
 *                idempotent): floorPatch − floor is what applying the patch, re-running the built-in
 *                plugins and validating/storing the bigger pod cost;
 *  - ours:       init-injector, reinvocationPolicy IfNeeded as deployed (called again once the
 *                ServiceAccount plugin has mounted its token into the injected containers).
 * Differences are taken between percentiles (p50 − p50), not per pod: the pods are not paired.
 */
import type { LoggedAdmission } from './admission-timing.js';
import { summarize, type Summary } from './stats.js';

/** One webhook call as the API server timed it (mean over the window; its histogram is coarse). */
export interface ApiServerCallView {
  readonly callsPerPod: number;
  readonly meanMs: number;
}

/** Latency differences at p50 and p99 (ms; positive = slower than the reference). */
export interface Delta {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The split of our overhead. */
export interface Decomposition {
  /** ours − none: what users feel (the target in docs/performance.md is on its p50). */
  readonly total: Delta;
  /** floor − none: the API server's fixed cost of calling any webhook. */
  readonly anyWebhookCall: Delta;
  /** floorPatch − floor: applying our patch, re-running built-in plugins, the bigger pod; null if not run. */
  readonly applyingPatch: Delta | null;
  /** ours − floor: everything beyond the cheapest webhook. */
  readonly beyondFloor: Delta;
  /** ours − floorPatch: the second (IfNeeded) call and our server's extra time; null if not run. */
  readonly beyondPatchFloor: Delta | null;
  /** Our server's own time per pod: server ms per call (p50, p99) × calls per pod. */
  readonly ourServerPerPod: Delta;
  /**
   * What our code adds over the bare floor on the same span: (our ms − the floor's ms per call) ×
   * calls per pod, the floor answering our patch when it ran (the same answer), else no patch.
   */
  readonly ourServerBeyondFloorPerPod: Delta;
}

/** Our server's own time per admission during the measured window (from its log). */
export interface ServerSide {
  readonly msPerCall: Summary;
  readonly callsPerPod: number;
  /** The same by our server's result: `patched` is the first call, `allowed` the IfNeeded re-call. */
  readonly byResult: Readonly<Record<string, Summary>>;
  /** The floors' own time per call over the same span (FLOOR_LOG_MS), for reference. */
  readonly floorMsPerCall: Summary;
  readonly floorPatchMsPerCall: Summary | null;
}

/** Raw samples of one run. */
export interface ApiServerSamples {
  readonly ours: readonly number[];
  readonly none: readonly number[];
  readonly floor: readonly number[];
  readonly floorPatch: readonly number[] | null;
  readonly server: readonly LoggedAdmission[];
  readonly floorServer: readonly LoggedAdmission[];
  readonly floorPatchServer: readonly LoggedAdmission[] | null;
  readonly pods: number;
}

/** Latency summaries of each namespace kind. */
export interface ApiServerLatencies {
  readonly withWebhook: Summary;
  readonly withoutWebhook: Summary;
  readonly floorWebhook: Summary;
  readonly floorPatchWebhook: Summary | null;
  readonly server: ServerSide;
  readonly decomposition: Decomposition;
}

const delta = (a: Summary, b: Summary): Delta => ({ p50Ms: a.p50 - b.p50, p99Ms: a.p99 - b.p99 });

/** Summaries and the decomposition of one run's samples. */
export function decompose(s: ApiServerSamples): ApiServerLatencies {
  const ours = summarize(s.ours);
  const none = summarize(s.none);
  const floor = summarize(s.floor);
  const patch = s.floorPatch === null ? null : summarize(s.floorPatch);
  const msOf = (xs: readonly LoggedAdmission[]): number[] => xs.map((x) => x.ms);
  const msPerCall = summarize(msOf(s.server));
  const callsPerPod = s.pods > 0 ? s.server.length / s.pods : Number.NaN;
  const results = [...new Set(s.server.map((x) => x.result ?? 'unknown'))].sort();
  const byResult = Object.fromEntries(
    results.map((r) => [r, summarize(msOf(s.server.filter((x) => (x.result ?? 'unknown') === r)))]),
  );
  const floorMsPerCall = summarize(msOf(s.floorServer));
  const floorPatchMsPerCall = s.floorPatchServer === null ? null : summarize(msOf(s.floorPatchServer));
  const ref = floorPatchMsPerCall ?? floorMsPerCall;
  return {
    withWebhook: ours,
    withoutWebhook: none,
    floorWebhook: floor,
    floorPatchWebhook: patch,
    server: {
      msPerCall,
      callsPerPod,
      byResult,
      floorMsPerCall,
      floorPatchMsPerCall,
    },
    decomposition: {
      total: delta(ours, none),
      anyWebhookCall: delta(floor, none),
      applyingPatch: patch === null ? null : delta(patch, floor),
      beyondFloor: delta(ours, floor),
      beyondPatchFloor: patch === null ? null : delta(ours, patch),
      ourServerPerPod: { p50Ms: msPerCall.p50 * callsPerPod, p99Ms: msPerCall.p99 * callsPerPod },
      ourServerBeyondFloorPerPod: {
        p50Ms: (msPerCall.p50 - ref.p50) * callsPerPod,
        p99Ms: (msPerCall.p99 - ref.p99) * callsPerPod,
      },
    },
  };
}
