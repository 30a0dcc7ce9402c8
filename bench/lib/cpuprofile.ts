/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and attributes self time to categories by the script
 * and function each sample lands in, plus an "inclusive" view for a few entry points (time spent
 * anywhere below them), so the cost of express, logging or the engine shows as one number.
 */

/** The parts of the .cpuprofile format this reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Ordered: the first rule whose test matches names the category of a frame. */
const CATEGORIES: readonly (readonly [string, (url: string, fn: string) => boolean])[] = [
  ['(garbage collector)', (_u, f) => f === '(garbage collector)'],
  ['(idle)', (_u, f) => f === '(idle)' || f === '(program)'],
  ['engine (src/engine)', (u) => u.includes('/dist/engine/') || u.includes('/src/engine/')],
  ['policy (src/policy)', (u) => u.includes('/dist/policy/')],
  [
    'server code (src/server, src/kube)',
    (u) => u.includes('/dist/server/') || u.includes('/dist/kube/') || u.includes('/dist/log'),
  ],
  [
    'express + router',
    (u) =>
      /node_modules\/(express|router|finalhandler|send|serve-static|path-to-regexp|depd|on-finished|parseurl|qs|accepts|negotiator|content-type|type-is|mime-types|vary|encodeurl|escape-html|etag|fresh|range-parser|proxy-addr|forwarded|statuses|setprototypeof|merge-descriptors|methods|utils-merge|cookie|cookie-signature|media-typer)\//.test(
        u,
      ),
  ],
  [
    'body-parser / raw-body / iconv',
    (u) =>
      /node_modules\/(body-parser|raw-body|iconv-lite|bytes|http-errors|content-type|unpipe|safer-buffer)\//.test(u),
  ],
  [
    'pino (logging)',
    (u) =>
      /node_modules\/(pino|pino-std-serializers|sonic-boom|fast-redact|quick-format-unescaped|atomic-sleep|thread-stream|on-exit-leak-free|real-require|safe-stable-stringify)\//.test(
        u,
      ),
  ],
  ['prom-client (metrics)', (u) => /node_modules\/(prom-client|tdigest|bintrees)\//.test(u)],
  ['fast-json-patch', (u) => u.includes('node_modules/fast-json-patch/')],
  ['cel-js', (u) => u.includes('node_modules/@marcbachmann/cel-js/')],
  ['other node_modules', (u) => u.includes('node_modules/')],
  ['JSON.parse / JSON.stringify', (_u, f) => f === 'parse' || f === 'stringify'],
  [
    'node:tls / crypto',
    (u) => /node:(internal\/)?(tls|_tls_wrap|_tls_common|crypto|internal\/tls)/.test(u) || u.includes('internal/tls'),
  ],
  [
    'node:http / net / streams',
    (u) =>
      /node:(internal\/)?(_http|http|net|stream|internal\/streams|internal\/http|internal\/stream_base_commons|events|buffer|internal\/buffer|string_decoder)/.test(
        u,
      ),
  ],
  ['other node: internals', (u) => u.startsWith('node:')],
  ['native (no script)', (u) => u === ''],
  ['other', () => true],
];

function categorize(url: string, fn: string): string {
  for (const [name, test] of CATEGORIES) if (test(url, fn)) return name;
  return 'other';
}

/** Entry points whose inclusive time (everything below them) the report shows. */
const INCLUSIVE: readonly (readonly [string, string, string])[] = [
  ['/mutate handler after the body is parsed (async continuation)', 'handle', '/server/mutate.js'],
  ['body concat + UTF-8 check + JSON.parse', 'onEnd', '/server/body.js'],
  ['  engine mutate()', 'mutate', '/engine/mutate.js'],
  ['    engine diff + replay check', 'diff', '/engine/patch.js'],
  ['  encode response (JSON ops + base64)', 'patched', '/kube/admission.js'],
  ['  send (stringify + write)', 'send', '/server/mutate.js'],
  ['  log line + metrics (recorder)', 'reviewed', '/server/recorder.js'],
  ['    pino write to stdout', 'write', 'sonic-boom/index.js'],
  ['express app (router, middleware)', 'handle', 'node_modules/router/index.js'],
  ['bare floor handler', '', 'bench/servers/floor.ts'],
];

const short = (url: string): string =>
  url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/').replace(/^file:\/\//, '');

/**
 * Text report: self time by category and the 25 heaviest functions, as % of busy time and µs per
 * request, counting only samples inside [fromUs, toUs] (V8's monotonic clock), i.e. the load window.
 */
export function summarizeProfile(p: CpuProfile, requests: number, fromUs = 0, toUs = Number.POSITIVE_INFINITY): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  const selfUs = new Map<number, number>();
  let t = p.startTime;
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const delta = p.timeDeltas[i] ?? 0;
    t += delta;
    if (t < fromUs || t > toUs) continue;
    first = Math.min(first, t);
    last = Math.max(last, t);
    const id = p.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (frame === undefined) break;
      for (const [label, fn, url] of INCLUSIVE) {
        if ((fn === '' || frame.functionName === fn) && frame.url.includes(url) && !seen.has(label)) {
          seen.add(label);
          inclusive.set(label, (inclusive.get(label) ?? 0) + delta);
        }
      }
    }
  }
  const cats = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (n === undefined) continue;
    const { url, functionName, lineNumber } = n.callFrame;
    const cat = categorize(url, functionName);
    cats.set(cat, (cats.get(cat) ?? 0) + us);
    if (cat !== '(idle)') {
      busy += us;
      const key = `${functionName || '(anonymous)'} ${short(url)}:${lineNumber + 1}`;
      fns.set(key, (fns.get(key) ?? 0) + us);
    }
  }
  const perReq = (us: number): string => (requests > 0 ? `${(us / requests).toFixed(1).padStart(7)} µs/req` : '');
  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const span = last > first ? (last - first) / 1e6 : 0;
  const lines = [
    `busy ${(busy / 1e6).toFixed(2)} s of ${span.toFixed(2)} s sampled in the window; self time by category:`,
  ];
  for (const [cat, us] of [...cats].sort((a, b) => b[1] - a[1])) {
    if (cat === '(idle)') continue;
    lines.push(`  ${pct(us)} ${perReq(us)}  ${cat}`);
  }
  lines.push('inclusive time of entry points:');
  for (const [label] of INCLUSIVE) {
    const us = inclusive.get(label);
    if (us !== undefined) lines.push(`  ${pct(us)} ${perReq(us)}  ${label}`);
  }
  lines.push('top functions (self time):');
  for (const [fn, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 25))
    lines.push(`  ${pct(us)} ${perReq(us)}  ${fn}`);
  return lines.join('\n');
}
