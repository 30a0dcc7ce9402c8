/**
 * The engine micro-benchmark, run in its own process (`node --expose-gc --max-semi-space-size=64
 * --import tsx`, pinned): mutate() on the ~10 KB pod against policy sets of 1, 10, 100 and 1000
 * policies loaded through the real loader. Per set: µs/op median and p99 (each call timed alone),
 * bytes allocated per op (heap used across a batch with no GC in it), and retained heap growth after
 * many calls (a leak shows here), and thread CPU time per op. Prints one JSON array on stdout.
 * argv[2]: JSON { dirs: { size: dir }, namespaceLabels, samples, retainLoops }.
 */
import { getHeapStatistics } from 'node:v8';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Engine from '../../src/engine/index.js';
import type { MutationInput, MutationResult } from '../../src/engine/index.js';
import type * as Diagnostics from '../../src/policy/diagnostics.js';
import type * as Load from '../../src/policy/load.js';
import { BENCH_NAMESPACE, podForReviewSize, admissionReview } from '../lib/pod.js';
import { ROOT } from '../lib/servers.js';
import { summarize } from '../lib/stats.js';
import type { EngineFigures } from './types.js';

// The shipped build (dist/, what `serve` runs; bench/run.ts builds it first), not the sources through
// tsx: tsx's transform wraps functions and classes in a naming helper production never pays.
const dist = (path: string): string => pathToFileURL(join(ROOT, 'dist', path)).href;
const { mutate } = (await import(dist('engine/index.js'))) as typeof Engine;
const { formatDiagnostic } = (await import(dist('policy/diagnostics.js'))) as typeof Diagnostics;
const { loadPolicies } = (await import(dist('policy/load.js'))) as typeof Load;

const cfg = JSON.parse(process.argv[2] ?? '{}') as {
  dirs: Record<string, string>;
  namespaceLabels: Record<string, string>;
  samples: number;
  retainLoops: number;
};
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

let gcCount = 0;
new PerformanceObserver((list) => {
  gcCount += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });
/** GC entries are delivered asynchronously: let them arrive before reading the count. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

const pod = podForReviewSize(10 * 1024);
const podBytes = JSON.stringify(pod).length;
const request = (admissionReview(pod, 'engine-bench') as { request: Record<string, unknown> }).request;
const out: EngineFigures[] = [];

// Load every set and warm the engine up on all of them before measuring any: otherwise the first
// set measured pays for the JIT's tiering (the 10-policy set measured ~2x slower than the 100-policy
// one right after it).
const inputs: [string, MutationInput, MutationResult][] = [];
for (const [size, dir] of Object.entries(cfg.dirs)) {
  const loaded = await loadPolicies([dir]);
  if (!loaded.ok)
    throw new Error(`policy set ${size} does not load:\n${loaded.error.map(formatDiagnostic).join('\n')}`);
  const input: MutationInput = {
    pod,
    namespace: {
      name: BENCH_NAMESPACE,
      labels: cfg.namespaceLabels,
      object: { metadata: { name: BENCH_NAMESPACE, labels: cfg.namespaceLabels } },
    },
    policies: loaded.value,
    request,
  };
  const first = mutate(input);
  if (first.denial !== undefined) throw new Error(`set ${size}: the bench pod was denied: ${first.denial.message}`);
  inputs.push([size, input, first]);
}
for (let round = 0; round < 2; round++) for (const [, input] of inputs) for (let i = 0; i < 2000; i++) mutate(input);

// Wall time per call, the sets interleaved call by call: on a shared machine a burst of contention
// then slows every set alike instead of whichever set was being measured (consecutive runs of
// the same code gave 25 and 53 µs medians for the 10-policy set before this).
const wall = inputs.map(() => new Float64Array(cfg.samples));
for (let i = 0; i < cfg.samples; i++) {
  for (let k = 0; k < inputs.length; k++) {
    const input = (inputs[k] as (typeof inputs)[number])[1];
    const t = process.hrtime.bigint();
    mutate(input);
    (wall[k] as Float64Array)[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
}

for (const [k, [size, input, first]] of inputs.entries()) {
  const times = wall[k] as Float64Array;

  // CPU time per op (this thread only) over a ~0.3 s loop: unlike wall time it leaves out the time
  // the process was preempted, so it holds on a busy shared machine. The kernel's per-thread CPU
  // counters move in scheduler ticks, so only a long loop gives a precise mean (no per-op median).
  const c0 = process.threadCpuUsage();
  const w0 = performance.now();
  let loops = 0;
  while (performance.now() - w0 < 300) {
    for (let i = 0; i < 50; i++) mutate(input);
    loops += 50;
  }
  const c1 = process.threadCpuUsage(c0);
  const cpuMeanUs = (c1.user + c1.system) / loops;

  // Allocation per op: heap used across a batch small enough to fit the young generation.
  let allocPerOp = Number.NaN;
  for (let batch = 200; batch >= 10 && Number.isNaN(allocPerOp); batch = Math.floor(batch / 2)) {
    gc();
    await settle();
    const gcBefore = gcCount;
    const before = getHeapStatistics().used_heap_size;
    for (let i = 0; i < batch; i++) mutate(input);
    const after = getHeapStatistics().used_heap_size;
    await settle();
    if (gcCount === gcBefore) allocPerOp = (after - before) / batch;
  }

  // Retained growth: heap after a full GC, before and after many calls.
  gc();
  const base = getHeapStatistics().used_heap_size;
  for (let i = 0; i < cfg.retainLoops; i++) mutate(input);
  gc();
  const retained = getHeapStatistics().used_heap_size - base;

  const s = summarize(times);
  out.push({
    policies: Number(size),
    candidates: input.policies.candidates(BENCH_NAMESPACE).length,
    injected: first.injected.length,
    patchOps: first.patch.length,
    podBytes,
    medianUs: s.p50,
    p99Us: s.p99,
    meanUs: s.mean,
    cpuMeanUs,
    allocBytesPerOp: allocPerOp,
    retainedBytes: retained,
    retainLoops: cfg.retainLoops,
  });
}
process.stdout.write(`${JSON.stringify(out)}\n`);
