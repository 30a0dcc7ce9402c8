/**
 * `npx tsx bench/profile.ts [--floor] [--seconds 10] [--connections 8] [--policies 10] [--kb 10]
 *  [--log-level info] [--no-profile] [--node-arg=--flag …]`: where the
 * server's CPU goes. Starts `init-injector serve` with `node --cpu-prof`, drives it with the bench's
 * closed-loop load (every response checked), stops it so V8 writes the profile, and prints self time
 * by category (TLS, HTTP parsing, express, body parsing, JSON, engine, logging, metrics, patch,
 * GC…) and the top functions. The .cpuprofile is kept for Chrome DevTools / speedscope.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeCert } from './lib/certs.js';
import { runLoad } from './lib/load.js';
import { matchingCount, writeNamespaceLabels, writePolicySet } from './lib/policies.js';
import { pinning } from './lib/proc.js';
import { ensureBuilt, ROOT, startFloor, startInjector, stopServer } from './lib/servers.js';
import { summarizeProfile, type CpuProfile } from './lib/cpuprofile.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    policies: { type: 'string', default: '10' },
    kb: { type: 'string', default: '10' },
    floor: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    'no-profile': { type: 'boolean', default: false },
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const work = mkdtempSync(join(tmpdir(), 'init-injector-profile-'));
const profDir = join(ROOT, 'bench', 'results', 'profiles');
mkdirSync(profDir, { recursive: true });
const pin = pinning();
process.stderr.write(`profile: ${ensureBuilt()}; ${pin.note}\n`);
const policies = Number(values.policies);
const cert = await makeCert(work, 'ecdsa-p256');
const profArgs = [
  ...values['node-arg'],
  ...(values['no-profile'] ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=200']),
];
const server = values.floor
  ? await startFloor(cert, pin.server, work, profArgs)
  : await startInjector(
      cert,
      writePolicySet(join(work, 'policies'), policies),
      writeNamespaceLabels(join(work, 'ns.yaml')),
      pin.server,
      work,
      profArgs,
      ['--log-level', values['log-level']],
    );
const before = new Set(readdirSync(profDir));
const r = await runLoad(
  server,
  {
    mode: 'closed',
    reviewBytes: Number(values.kb) * 1024,
    expectInitContainers: values.floor ? 3 : matchingCount(policies),
    connections: Number(values.connections),
    rate: 0,
    warmupMs: 1000,
    durationMs: Number(values.seconds) * 1000,
    caFile: cert.cert,
  },
  pin.client,
);
await stopServer(server);
process.stderr.write(
  `profile: ${r.rps.toFixed(0)} req/s, ${r.cpuUsPerRequest.toFixed(0)} µs CPU/req, ${r.checked} responses checked, ${r.errors} errors\n`,
);
if (values['no-profile']) process.exit(0);
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
if (file === undefined) throw new Error(`no .cpuprofile written in ${profDir} (did the server exit cleanly?)`);
const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile;
process.stdout.write(
  `${summarizeProfile(profile, r.requests, r.windowMonoStartUs, r.windowMonoEndUs)}\nprofile: ${join(profDir, file)}\n`,
);
