/**
 * The server sections: keep-alive load (closed and open loop) and new-connection load against
 * init-injector and the bare node:https floor, started side by side and measured alternately
 * (floor, injector, injector, floor, …) so drift on a shared machine hits both alike. With several
 * rounds, each figure is the median over rounds.
 */
import type { CertFiles } from '../lib/certs.js';
import { runLoad, type RunFigures } from '../lib/load.js';
import { startFloor, startInjector, stopServer, type ServerUnderTest } from '../lib/servers.js';
import type { LoadMode } from '../load/types.js';

/** One load scenario, run against both servers. */
export interface Scenario {
  readonly id: string;
  readonly mode: LoadMode;
  readonly reviewBytes: number;
  readonly connections: number;
  readonly rate: number;
}

/** A scenario's figures for init-injector and the floor (medians over rounds). */
export interface ScenarioFigures {
  readonly scenario: Scenario;
  readonly cert: CertFiles['type'];
  readonly injector: RunFigures;
  readonly floor: RunFigures;
  readonly rounds: number;
}

/** Timing of each run. */
export interface Timing {
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly rounds: number;
}

/** What the server sections need to start servers and load generators. */
export interface ServerEnv {
  readonly policiesDir: string;
  readonly labelsFile: string;
  readonly expectInitContainers: number;
  readonly pinServer: readonly string[];
  readonly pinClient: readonly string[];
  readonly logDir: string;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)]!;
};

/** The median run by cpuUsPerRequest and throughput figures; errors are summed, never medianed away. */
function combine(runs: RunFigures[]): RunFigures {
  if (runs.length === 1) return runs[0]!;
  const pick = (f: (r: RunFigures) => number): number => median(runs.map(f));
  const first = runs[0]!;
  const gcs = runs.map((r) => r.gc).filter((g) => g !== undefined);
  return {
    ...first,
    requests: runs.reduce((a, r) => a + r.requests, 0),
    rps: pick((r) => r.rps),
    latency: {
      p50: pick((r) => r.latency.p50),
      p99: pick((r) => r.latency.p99),
      p999: pick((r) => r.latency.p999),
      max: Math.max(...runs.map((r) => r.latency.max)),
    },
    cpuUsPerRequest: pick((r) => r.cpuUsPerRequest),
    serverCores: pick((r) => r.serverCores),
    clientCores: pick((r) => r.clientCores),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    checked: runs.reduce((a, r) => a + r.checked, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    errorSamples: runs.flatMap((r) => r.errorSamples).slice(0, 5),
    gc:
      gcs.length === 0
        ? undefined
        : {
            maxMs: Math.max(...gcs.map((g) => g.maxMs)),
            totalMs: gcs.reduce((a, g) => a + g.totalMs, 0),
            count: gcs.reduce((a, g) => a + g.count, 0),
          },
  };
}

/** Runs the scenarios against both servers started with `cert`; `log` reports progress. */
export async function runServerScenarios(
  scenarios: readonly Scenario[],
  cert: CertFiles,
  env: ServerEnv,
  timing: Timing,
  log: (line: string) => void,
): Promise<ScenarioFigures[]> {
  const floor = await startFloor(cert, env.pinServer, env.logDir);
  let injector: ServerUnderTest | undefined;
  try {
    injector = await startInjector(cert, env.policiesDir, env.labelsFile, env.pinServer, env.logDir);
    const out: ScenarioFigures[] = [];
    for (const sc of scenarios) {
      const runs: Record<'floor' | 'injector', RunFigures[]> = { floor: [], injector: [] };
      for (let round = 0; round < timing.rounds; round++) {
        const order = round % 2 === 0 ? [floor, injector] : [injector, floor];
        for (const server of order) {
          const r = await runLoad(
            server,
            {
              mode: sc.mode,
              reviewBytes: sc.reviewBytes,
              expectInitContainers: env.expectInitContainers,
              connections: sc.connections,
              rate: sc.rate,
              warmupMs: timing.warmupMs,
              durationMs: timing.durationMs,
              caFile: cert.cert,
            },
            env.pinClient,
          );
          const who = server === floor ? 'floor' : 'injector';
          runs[who].push(r);
          log(
            `  ${sc.id} [${cert.type}] ${who.padEnd(8)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${r.latency.p99.toFixed(2)} ms  ${r.cpuUsPerRequest.toFixed(0)} µs CPU/req  server ${r.serverCores.toFixed(2)} cores${r.errors > 0 ? `  ERRORS ${r.errors}: ${r.errorSamples[0] ?? ''}` : ''}`,
          );
        }
      }
      out.push({
        scenario: sc,
        cert: cert.type,
        injector: combine(runs.injector),
        floor: combine(runs.floor),
        rounds: timing.rounds,
      });
    }
    return out;
  } finally {
    await stopServer(floor, false);
    if (injector !== undefined) await stopServer(injector, false);
  }
}
