/**
 * The pod of the API-server section, and our own patch for it: the floor that answers a fixed patch
 * must answer exactly what our server answers for this pod as the API server first sends it, so
 * the difference between the two is the second (IfNeeded) call and our server, nothing else.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import type { V1Pod } from '@kubernetes/client-node';
import jsonpatch from 'fast-json-patch';
import type { ControlPlane } from '../../test/e2e/harness/controlplane.js';
import { podCreateReview } from '../../fixtures/review.js';
import { BENCH_POD_LABELS, podForReviewSize } from './pod.js';

const { applyPatch } = jsonpatch;

/** The bench pod as a user would submit it: no server-set fields, the default ServiceAccount. */
export function submittedPod(): V1Pod {
  const pod = structuredClone(podForReviewSize(10 * 1024)) as unknown as V1Pod;
  const meta = pod.metadata!;
  delete meta.managedFields;
  delete meta.ownerReferences;
  delete meta.namespace;
  meta.generateName = 'bench-';
  meta.labels = { ...BENCH_POD_LABELS };
  const spec = pod.spec!;
  delete spec.serviceAccount;
  delete spec.serviceAccountName;
  // The ServiceAccount admission plugin adds the token volume and mounts itself.
  spec.volumes = (spec.volumes ?? []).filter((v) => v.projected === undefined);
  for (const c of spec.containers)
    c.volumeMounts = (c.volumeMounts ?? []).filter((m) => !m.name.startsWith('kube-api-access'));
  delete pod.status;
  return pod;
}

function post(url: string, caPem: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', ca: caPem, headers: { 'content-type': 'application/json' }, timeout: 10_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: POST ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Our server's JSONPatch for `created` (a pod the API server stored in a namespace without webhook,
 * so it has been through the ServiceAccount plugin and defaulting, as on a first webhook call),
 * reviewed as a CREATE in `namespace` (where our policies select it). Throws unless the answer is a
 * non-empty patch that applies to that pod.
 */
export async function ourPatchFor(
  cp: ControlPlane,
  created: V1Pod | undefined,
  namespace: string,
  webhookUrl: string,
): Promise<unknown[]> {
  const name = created?.metadata?.name;
  const ns = created?.metadata?.namespace;
  if (name === undefined || ns === undefined) throw new Error('no reference pod to compute our patch for');
  // The wire form as the API server sends it (kubectl's JSON, not client-node's model classes).
  const got = await cp.kubectl(['get', 'pod', '-n', ns, name, '-o', 'json']);
  if (got.code !== 0) throw new Error(`kubectl get pod ${ns}/${name}: ${got.stderr.slice(0, 300)}`);
  const stored = JSON.parse(got.stdout) as { metadata: Record<string, unknown>; status?: unknown };
  // Fields the API server sets only after mutating admission, and the status it never sends.
  const late = new Set(['uid', 'resourceVersion', 'creationTimestamp', 'managedFields']);
  const metadata = Object.fromEntries(Object.entries(stored.metadata).filter(([k]) => !late.has(k)));
  const wire = Object.fromEntries(Object.entries(stored).filter(([k]) => k !== 'status'));
  wire['metadata'] = { ...metadata, namespace };
  const review = podCreateReview(wire, { uid: randomUUID(), namespace });
  const res = await post(webhookUrl, cp.pki.ca.certPem, JSON.stringify(review));
  if (res.status !== 200) throw new Error(`our webhook answered ${String(res.status)}: ${res.text.slice(0, 300)}`);
  const out = JSON.parse(res.text) as { response?: { patch?: string } };
  const b64 = out.response?.patch;
  if (b64 === undefined) throw new Error(`our webhook answered no patch for the bench pod: ${res.text.slice(0, 300)}`);
  const patch = JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as unknown[];
  if (!Array.isArray(patch) || patch.length === 0) throw new Error('our webhook answered an empty patch');
  applyPatch(structuredClone(wire), patch as jsonpatch.Operation[], true); // throws if it does not apply
  return patch;
}
