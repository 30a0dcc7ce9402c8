/** The contract between the bench orchestrator and a load-generator process. */

/** closed: autocannon, N keep-alive connections, each sends as soon as it has its answer.
 *  open: fixed arrival rate, latency from the intended send time (no coordinated omission).
 *  fresh: N concurrent loops, a new TLS connection (full handshake, no resumption) per request. */
export type LoadMode = 'closed' | 'open' | 'fresh';

/** One load run, as the orchestrator asks for it. */
export interface LoadConfig {
  readonly mode: LoadMode;
  readonly port: number;
  /** The server process to read CPU and peak RSS of (and its descendants). */
  readonly serverPid: number;
  /** Target AdmissionReview size in bytes (the pod is regenerated deterministically from it). */
  readonly reviewBytes: number;
  /** How many init containers the server's policy set adds to the bench pod. */
  readonly expectInitContainers: number;
  readonly connections: number;
  /** Requests per second (open mode). */
  readonly rate: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** CA certificate (PEM) to verify the server with, for the node:https clients. */
  readonly caFile: string;
}

/** What a load run measured; latencies in milliseconds. */
export interface LoadResult {
  readonly mode: LoadMode;
  /** Responses completed inside the measured window. */
  readonly requests: number;
  readonly windowSeconds: number;
  readonly rps: number;
  readonly latency: { readonly p50: number; readonly p99: number; readonly p999: number; readonly max: number };
  /** Server CPU seconds (user+system) spent during the window. */
  readonly serverCpuSeconds: number;
  /** Server CPU microseconds per completed request. */
  readonly cpuUsPerRequest: number;
  /** Server CPU use during the window, in cores (1.0 = one core busy). */
  readonly serverCores: number;
  /** The load generator's own CPU use during the window, in cores (near 1.0: it may be the bottleneck). */
  readonly clientCores: number;
  readonly peakRssMiB: number;
  readonly peakRssReset: boolean;
  readonly bodyBytes: number;
  /** Responses checked (every response, warm-up included) and errors among them. */
  readonly checked: number;
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** Epoch ms of the window, to ask the server's GC probe about it. */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** CLOCK_MONOTONIC µs of the window (to cut a --cpu-prof profile to it). */
  readonly windowMonoStartUs: number;
  readonly windowMonoEndUs: number;
  /** fresh mode: how many TLS sessions were resumed (should be 0). */
  readonly resumedSessions?: number;
  /** open mode: the rate actually offered. */
  readonly offeredRps?: number;
  /** open mode: requests due in the window still unanswered 3 s after it (counted in latency at their wait so far). */
  readonly unanswered?: number;
  /** open mode: p99 of how late the client itself sent a request (timer slop; included in latency). */
  readonly sendLateP99Ms?: number;
}
