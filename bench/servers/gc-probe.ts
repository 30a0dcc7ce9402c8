/**
 * Preloaded into a server under test (`node --import ./bench/servers/gc-probe.ts …`): records every
 * garbage-collection pause with a perf_hooks observer and, asked over the IPC channel for a time
 * window, answers the longest pause, the count and the total in that window. Self-contained (node:
 * imports only) so Node runs it by type stripping, without a loader in the measured process.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';

interface GcQuery {
  readonly type: string;
  /** Epoch milliseconds. */
  readonly from: number;
  readonly to: number;
}

const starts: number[] = [];
const durations: number[] = [];

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    starts.push(performance.timeOrigin + entry.startTime);
    durations.push(entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

if (process.send !== undefined) {
  process.on('message', (msg: GcQuery) => {
    if (msg.type !== 'gc-query') return;
    let maxMs = 0;
    let totalMs = 0;
    let count = 0;
    for (let i = 0; i < starts.length; i++) {
      const start = starts[i]!;
      if (start < msg.from || start > msg.to) continue;
      const d = durations[i]!;
      count += 1;
      totalMs += d;
      if (d > maxMs) maxMs = d;
    }
    process.send?.({ type: 'gc-answer', maxMs, totalMs, count });
  });
  // The probe must never keep a server alive on its own.
  process.channel?.unref();
}
