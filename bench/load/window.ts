/**
 * The measured window of a load run: opened after the warm-up, closed at the end of the duration.
 * At each edge it reads the server's CPU time from /proc and the load generator's own CPU use;
 * opening it resets the server's peak-RSS mark. Latencies are recorded only while it is open.
 */
import { cpuSeconds, peakRssMiB, processTree, resetPeakRss } from '../lib/proc.js';

/** Figures of one measured window. */
export interface WindowFigures {
  readonly seconds: number;
  readonly serverCpuSeconds: number;
  readonly clientCores: number;
  readonly peakRssMiB: number;
  readonly peakRssReset: boolean;
  readonly start: number;
  readonly end: number;
  /** CLOCK_MONOTONIC µs of the edges (the clock V8 stamps --cpu-prof samples with). */
  readonly monoStartUs: number;
  readonly monoEndUs: number;
}

/** Opens and closes the window on the server pid's process tree. */
export class MeasureWindow {
  open = false;
  private pids: number[] = [];
  private t0 = 0;
  private cpu0 = 0;
  private client0 = process.cpuUsage();
  private reset = false;
  private epoch0 = 0;
  private mono0 = 0;
  private result: WindowFigures | undefined;

  private readonly serverPid: number;

  constructor(serverPid: number) {
    this.serverPid = serverPid;
  }

  /** Starts measuring now. */
  begin(): void {
    this.pids = processTree(this.serverPid);
    this.reset = resetPeakRss(this.pids);
    this.cpu0 = cpuSeconds(this.pids);
    this.client0 = process.cpuUsage();
    this.t0 = performance.now();
    this.epoch0 = Date.now();
    this.mono0 = Number(process.hrtime.bigint() / 1000n);
    this.open = true;
  }

  /** Stops measuring now and keeps the figures. */
  end(): WindowFigures {
    if (this.result !== undefined) return this.result;
    const seconds = (performance.now() - this.t0) / 1000;
    this.open = false;
    const cpu = cpuSeconds(this.pids) - this.cpu0;
    const client = process.cpuUsage(this.client0);
    this.result = {
      seconds,
      serverCpuSeconds: cpu,
      clientCores: (client.user + client.system) / 1e6 / seconds,
      peakRssMiB: peakRssMiB(this.pids),
      peakRssReset: this.reset,
      start: this.epoch0,
      end: Date.now(),
      monoStartUs: this.mono0,
      monoEndUs: Number(process.hrtime.bigint() / 1000n),
    };
    return this.result;
  }
}
