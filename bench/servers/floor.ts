/**
 * The floor: a bare node:https server doing the least an admission webhook must do (read the whole
 * body, JSON.parse it, take request.uid, answer a fixed valid AdmissionReview with that uid and a
 * fixed base64 JSONPatch). Same Node, same certificate, same keep-alive settings as the real server,
 * under the same load: our figures are read as ratios to this one.
 * Self-contained (node: imports only) so Node runs it by type stripping, with no loader.
 *
 * env: FLOOR_PORT, FLOOR_CERT, FLOOR_KEY (PEM files), FLOOR_KEEPALIVE_MS (default 95000),
 * FLOOR_PATCH: unset = the fixed patch below; `none` = `allowed: true` with no patch at all (the
 * cheapest webhook possible, which the API-server section registers to measure what calling any
 * webhook costs the API server); `file:<path>` = the JSONPatch array in that JSON file (the patch our
 * server answered for the API-server section's pod, to measure what applying it costs);
 * FLOOR_LOG_MS=1: one line `{"ms":…}` per answered review on stdout, timed like our server's log
 * line (request handler to response written), as the reference for our server's own time.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

// Valid for every bench pod (they all have metadata.annotations and spec.volumes and no init
// containers): the same shape and about the same size as the real server's answer for 3 policies.
const sc = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  runAsUser: 65532,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
const res = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } };
const PATCH = [
  {
    op: 'add',
    path: '/metadata/annotations/init-injector.io~1injected',
    value: 'network-check,cert-fetcher,wait-for-deps',
  },
  {
    op: 'add',
    path: '/spec/initContainers',
    value: [
      {
        name: 'network-check',
        image: 'registry.example.com/platform/network-check:1.4.2',
        args: ['--target=1.1.1.1', '--timeout=30s'],
        resources: res,
        securityContext: sc,
      },
      {
        name: 'cert-fetcher',
        image: 'registry.example.com/platform/cert-fetcher:2.0.1',
        args: ['--identity=checkout', '--out=/var/run/certs'],
        volumeMounts: [{ name: 'workload-certs', mountPath: '/var/run/certs' }],
        resources: res,
        securityContext: sc,
      },
      {
        name: 'wait-for-deps',
        image: 'registry.example.com/platform/wait-for:0.9.0',
        args: ['--deps=db:5432,cache:6379'],
        resources: res,
        securityContext: sc,
      },
    ],
  },
  { op: 'add', path: '/spec/volumes/-', value: { name: 'workload-certs', emptyDir: { medium: 'Memory' } } },
];

const env = process.env;
/** The base64 patch to answer with, per FLOOR_PATCH; undefined: answer without a patch. */
function patchFor(mode: string | undefined): string | undefined {
  if (mode === 'none') return undefined;
  let ops: unknown = PATCH;
  if (mode?.startsWith('file:') === true) ops = JSON.parse(readFileSync(mode.slice(5), 'utf8'));
  else if (mode !== undefined)
    throw new Error(`FLOOR_PATCH must be unset, "none" or "file:<path>", got ${JSON.stringify(mode)}`);
  return Buffer.from(JSON.stringify(ops)).toString('base64');
}
const PATCH_B64 = patchFor(env['FLOOR_PATCH']);
const logMs = env['FLOOR_LOG_MS'] === '1';
const keepAlive = Number(env['FLOOR_KEEPALIVE_MS'] ?? '95000');
const server = createServer(
  { cert: readFileSync(env['FLOOR_CERT'] ?? ''), key: readFileSync(env['FLOOR_KEY'] ?? ''), minVersion: 'TLSv1.2' },
  (req, res) => {
    const start = logMs ? performance.now() : 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let uid: unknown;
      try {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request?: { uid?: unknown } };
        uid = review.request?.uid;
      } catch {
        uid = undefined;
      }
      if (typeof uid !== 'string') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad review"}');
        return;
      }
      const body = JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response:
          PATCH_B64 === undefined
            ? { uid, allowed: true }
            : { uid, allowed: true, patchType: 'JSONPatch', patch: PATCH_B64 },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      if (logMs) process.stdout.write(`{"ms":${(Math.round((performance.now() - start) * 1000) / 1000).toString()}}\n`);
    });
  },
);
server.keepAliveTimeout = keepAlive;
server.headersTimeout = 32_000;
server.requestTimeout = 35_000;
server.listen(Number(env['FLOOR_PORT'] ?? '0'), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`floor listening on ${typeof addr === 'object' && addr !== null ? addr.port : '?'}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
