/**
 * `npm run bench [-- --quick] [-- --only engine,server,fresh,apiserver,noisy]`: the engine micro-benchmark,
 * the HTTPS server against the bare node:https floor (keep-alive closed and open loop, new TLS
 * connections per request) and pod creation through a real API server. Prints one table, writes the
 * same figures to bench/results/latest.json, and exits 1 without reporting when any response was
 * wrong (non-2xx, uid not echoed, patch not decoding or not applying to the request's pod).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeCert } from './lib/certs.js';
import { BENCH_NAMESPACE_LABELS } from './lib/pod.js';
import { matchingCount, writeNamespaceLabels, writePolicySet } from './lib/policies.js';
import { pinning } from './lib/proc.js';
import { ensureBuilt, ROOT } from './lib/servers.js';
import { renderTable, targets, type BenchReport } from './report.js';
import { runApiServer, type ApiServerFigures } from './sections/apiserver.js';
import { runEngine } from './sections/engine.js';
import { runNoisy, type NoisyFigures } from './sections/noisy.js';
import { runServerScenarios, type Scenario, type ScenarioFigures } from './sections/server.js';
import { runStatusSection, type StatusFigures } from './sections/status.js';
import type { EngineFigures } from './engine/types.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
  },
});
const quick = values.quick;
const sections = new Set((values.only ?? 'engine,server,fresh,apiserver,noisy,status').split(','));
const timing = {
  warmupMs: quick ? 1000 : 1500, // the server's JIT needs ~1 s of load before its first window
  durationMs: Number(values.duration ?? (quick ? 1.5 : 8)) * 1000,
  rounds: Number(values.rounds ?? (quick ? 1 : 3)),
};
const t00 = Date.now();
const log = (line: string): void =>
  void process.stderr.write(`[${((Date.now() - t00) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

const work = mkdtempSync(join(tmpdir(), 'init-injector-bench-'));
const pin = pinning();
const sizes = [1, 10, 100, 1000];
const dirs: Record<number, string> = {};
for (const n of sizes) dirs[n] = writePolicySet(join(work, `policies-${n}`), n);
const labelsFile = writeNamespaceLabels(join(work, 'namespaces.yaml'));
const started = Date.now();
const load0 = loadavg();
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  openssl: process.versions.openssl,
  pinning: pin.note,
  loadAverageAtStart: load0.map((x) => Number(x.toFixed(2))),
};
log(
  `bench: ${quick ? 'quick' : 'full'} run; ${machine.cores}× ${machine.cpu}; Node ${machine.node}; ${pin.note}; load average ${machine.loadAverageAtStart.join(' ')}`,
);
log(`bench: ${ensureBuilt()}`);

let engine: readonly EngineFigures[] | { skipped: string } = { skipped: 'not selected (--only)' };
let keepAlive: ScenarioFigures[] = [];
let fresh: ScenarioFigures[] = [];
let apiserver: ApiServerFigures = { skipped: 'not selected (--only)' };
let noisy: NoisyFigures = { skipped: 'not selected (--only)' };
let status: StatusFigures = { skipped: 'not selected (--only)' };
const env = {
  policiesDir: dirs[10]!,
  labelsFile,
  expectInitContainers: matchingCount(10),
  pinServer: pin.server,
  pinClient: pin.client,
  logDir: work,
};

try {
  if (sections.has('engine')) {
    log('bench: engine (mutate() on a ~10 KB pod, 1/10/100/1000 policies)');
    engine = await runEngine(dirs, BENCH_NAMESPACE_LABELS, quick ? 1500 : 10000, quick ? 3000 : 20000, pin.server);
  }
  const ecdsa = await makeCert(work, 'ecdsa-p256');
  if (sections.has('server')) {
    log('bench: server vs floor, HTTPS keep-alive (10 policies)');
    const all: Scenario[] = [
      { id: 'closed-c8-10k', mode: 'closed', reviewBytes: 10 * 1024, connections: 8, rate: 0 },
      { id: 'closed-c25-10k', mode: 'closed', reviewBytes: 10 * 1024, connections: 25, rate: 0 },
      { id: 'closed-c8-5k', mode: 'closed', reviewBytes: 5 * 1024, connections: 8, rate: 0 },
      { id: 'closed-c8-20k', mode: 'closed', reviewBytes: 20 * 1024, connections: 8, rate: 0 },
      { id: 'open-500-10k', mode: 'open', reviewBytes: 10 * 1024, connections: 0, rate: 500 },
      { id: 'open-2000-10k', mode: 'open', reviewBytes: 10 * 1024, connections: 0, rate: 2000 },
    ];
    // --quick (CI smoke, < 2 min): the target scenarios only; the 5/20 KB sweep is in the full run.
    const scenarios = quick ? all.filter((s) => s.id === 'closed-c8-10k' || s.mode === 'open') : all;
    keepAlive = await runServerScenarios(scenarios, ecdsa, env, timing, log);
  }
  if (sections.has('fresh')) {
    log('bench: server vs floor, a new TLS connection per request');
    const sc: Scenario = { id: 'fresh-c8-10k', mode: 'fresh', reviewBytes: 10 * 1024, connections: 8, rate: 0 };
    const freshTiming = { ...timing, rounds: 1 };
    fresh = await runServerScenarios([sc], ecdsa, env, freshTiming, log);
    // RSA-2048 (cert-manager's default key) for comparison; the quick run keeps to our default, ECDSA.
    if (!quick)
      fresh.push(...(await runServerScenarios([sc], await makeCert(work, 'rsa-2048'), env, freshTiming, log)));
  }
  if (sections.has('apiserver')) {
    log('bench: pod creation through the real API server');
    try {
      // Per namespace, four namespaces: 20 pods/s in all (40 in --quick), the API server's load of the
      // two-namespace section this replaced, which 40 (80) pods/s pushed into queueing on 2 cores.
      apiserver = await runApiServer(dirs[10]!, quick ? 10 : 5, quick ? 60 : 400, log);
    } catch (e) {
      apiserver = { skipped: `the e2e harness failed: ${(e as Error).message.split('\n')[0] ?? ''}` };
    }
    if ('skipped' in apiserver) log(`bench: apiserver section skipped: ${apiserver.skipped}`);
  }
  if (sections.has('noisy')) {
    log('bench: noisy neighbour (bystanders while hostile pods are sent)');
    noisy = await runNoisy(ecdsa, labelsFile, work, quick, log);
  }
  if (sections.has('status')) {
    const pods = quick ? 3000 : 10_000;
    log(`bench: init-injector status on ${String(pods)} pods of the real API server`);
    status = await runStatusSection(work, pods, log);
    if ('skipped' in status) log(`bench: status section skipped: ${status.skipped}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const report: BenchReport = { engine, keepAlive, fresh, apiserver, noisy, status };
const t = targets(report);
const runs = [...keepAlive, ...fresh].flatMap((s) => [s.injector, s.floor]);
const errors =
  runs.reduce((a, r) => a + r.errors, 0) +
  ('skipped' in apiserver ? 0 : apiserver.errors) +
  ('skipped' in noisy ? 0 : noisy.errors) +
  ('skipped' in status ? 0 : status.errors);
const checked = runs.reduce((a, r) => a + r.checked, 0) + ('skipped' in apiserver ? 0 : apiserver.podsChecked);
const resultsDir = join(ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const json = {
  date: new Date(started).toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  mode: quick ? 'quick' : 'full',
  command: `npm run bench${quick ? ' -- --quick' : ''}`,
  machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => Number(x.toFixed(2))) },
  timing,
  gitHead: (() => {
    try {
      const head = readFileSync(join(ROOT, '.git', 'HEAD'), 'utf8').trim();
      return head.startsWith('ref: ') ? readFileSync(join(ROOT, '.git', head.slice(5)), 'utf8').trim() : head;
    } catch {
      return 'unknown';
    }
  })(),
  responsesChecked: checked,
  errors,
  ...report,
  targets: t,
};

if (errors > 0) {
  const file = join(resultsDir, 'failed.json');
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  log(`bench: REFUSED: ${errors} wrong or failed responses out of ${checked} checked; no figures reported.`);
  for (const r of runs.filter((x) => x.errors > 0))
    log(`  ${r.server} ${r.mode}: ${r.errors} errors, e.g. ${r.errorSamples.join(' | ')}`);
  if (!('skipped' in apiserver) && apiserver.errors > 0) log(`  apiserver: ${apiserver.errorSamples.join(' | ')}`);
  if (!('skipped' in noisy) && noisy.errors > 0) log(`  noisy: ${noisy.errorSamples.join(' | ')}`);
  if (!('skipped' in status) && status.errors > 0) log(`  status: ${status.errorSamples.join(' | ')}`);
  log(`bench: details in ${file}`);
  process.exit(1);
}

const file = join(resultsDir, 'latest.json');
writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
process.stdout.write(`\n${renderTable(report, t)}\n\n`);
process.stdout.write(
  `${checked} responses checked, 0 errors. ${machine.cores}× ${machine.cpu}, Node ${machine.node}, OpenSSL ${machine.openssl}; ${pin.note}; ` +
    `load average ${json.machine.loadAverageAtStart.join(' ')} at start, ${json.machine.loadAverageAtEnd.join(' ')} at end; ${json.seconds} s.\n` +
    `Ratios (vs floor: throughput / CPU per request) are what to steer by; absolute numbers on a shared machine are noise.\n` +
    `srv cores < ~0.9 in a closed-loop row means the server was not CPU-bound (contention or client limit): its throughput ratio is unreliable, its CPU ratio still holds.\n` +
    `JSON: ${file}\n`,
);
