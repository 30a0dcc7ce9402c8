/**
 * "Already applied" (docs/semantics.md decision 3): whether a pod's init container is the one a
 * policy renders, up to what the API server adds by defaulting after our patch. Both sides are
 * brought to one canonical form (pkg/apis/core/v1 defaults filled in, omitted-when-empty values
 * dropped) and compared whole: a field we set with another value, a dropped field, or an extra
 * field that is no known default (restartPolicy: Always, another env value…) means "not present",
 * so a pod cannot forge a weakened copy of a required check. The one addition tolerated is the
 * ServiceAccount token mount, read-only at its fixed path, which the API server itself adds.
 */
import type { Container } from '../kube/wire.js';
import { copyWith, isRecord, jsonEqual } from './equal.js';
import { canonicalMilli } from './quantity.js';

type Json = Record<string, unknown>;
const unset = (v: unknown): boolean => v === undefined || v === null || v === '' || v === 0;

/** Non-pointer Go fields with omitempty whose zero value the API server drops on the wire. */
const ZERO_DROPPED = new Set(['stdin', 'stdinOnce', 'tty', 'readOnly', 'hostPort', 'initialDelaySeconds']);

/** Drops null, "", [] and {} everywhere and false/0 where Go omits them; copies, never mutates. */
function prune(v: unknown, key = ''): unknown {
  if (v === null || v === '' || ((v === false || v === 0) && ZERO_DROPPED.has(key))) return undefined;
  if (Array.isArray(v)) {
    const out = v.map((x) => prune(x) ?? null);
    return out.length === 0 ? undefined : out;
  }
  if (!isRecord(v)) return v;
  const out: Json = {};
  for (const k of Object.keys(v)) {
    const p = prune(v[k], k);
    if (p !== undefined) Object.defineProperty(out, k, { value: p, enumerable: true, writable: true });
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function pullPolicy(image: unknown): string {
  const last = (typeof image === 'string' ? image : '').split('/').pop() ?? '';
  const [name = '', digest] = last.split('@');
  const tag = name.includes(':') ? name.slice(name.indexOf(':') + 1) : digest === undefined ? 'latest' : '';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: unknown): void {
  if (!isRecord(p)) return;
  const d: [string, unknown][] = [
    ['timeoutSeconds', 1],
    ['periodSeconds', 10],
    ['successThreshold', 1],
    ['failureThreshold', 3],
  ];
  for (const [k, v] of d) if (unset(p[k])) p[k] = v;
  defaultHandler(p);
}

function defaultHandler(h: unknown): void {
  if (!isRecord(h)) return;
  const get = h['httpGet'];
  if (isRecord(get)) {
    if (unset(get['path'])) get['path'] = '/';
    if (unset(get['scheme'])) get['scheme'] = 'HTTP';
    get['protocol'] ??= 'HTTP/1.1';
  }
  const grpc = h['grpc'];
  if (isRecord(grpc)) grpc['service'] ??= '';
}

/** A deep copy of `c` with the API server's container defaults (pkg/apis/core/v1) filled in. */
function withDefaults(c: Container, hostNetwork: boolean): Json {
  const o = JSON.parse(JSON.stringify(c)) as Json;
  if (unset(o['imagePullPolicy'])) o['imagePullPolicy'] = pullPolicy(o['image']);
  if (unset(o['terminationMessagePath'])) o['terminationMessagePath'] = '/dev/termination-log';
  if (unset(o['terminationMessagePolicy'])) o['terminationMessagePolicy'] = 'File';
  for (const p of Array.isArray(o['ports']) ? (o['ports'] as unknown[]) : []) {
    if (!isRecord(p)) continue;
    if (unset(p['protocol'])) p['protocol'] = 'TCP';
    if (hostNetwork && unset(p['hostPort'])) p['hostPort'] = p['containerPort'];
  }
  for (const e of Array.isArray(o['env']) ? (o['env'] as unknown[]) : []) {
    const from = isRecord(e) ? e['valueFrom'] : undefined;
    if (!isRecord(from)) continue;
    const field = from['fieldRef'];
    if (isRecord(field) && unset(field['apiVersion'])) field['apiVersion'] = 'v1';
    const file = from['fileKeyRef'];
    if (isRecord(file)) file['optional'] ??= false;
  }
  const res = o['resources'];
  if (isRecord(res) && isRecord(res['limits'])) {
    const req: Json = isRecord(res['requests']) ? res['requests'] : {};
    for (const [k, v] of Object.entries(res['limits'])) if (!(k in req)) req[k] = v;
    res['requests'] = req;
  }
  if (isRecord(res)) for (const k of ['limits', 'requests']) if (isRecord(res[k])) res[k] = quantities(res[k]);
  for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(o[k]);
  const life = o['lifecycle'];
  if (isRecord(life)) for (const k of ['postStart', 'preStop']) defaultHandler(life[k]);
  return o;
}

/** Each quantity of a resource list in canonical form where it has one, else as written. */
function quantities(list: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(list))
    out[k] = ((typeof v === 'string' || typeof v === 'number') && canonicalMilli(String(v))) || v;
  return out;
}

/**
 * Where the API server's ServiceAccount admission plugin mounts the token (read-only) into every
 * container, init containers included, when it re-runs after our patch. The real API server showed
 * it: a re-invocation sees our container with this one extra mount (test/e2e selection suite).
 */
export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/** `found` without the token mount the ServiceAccount plugin added, unless the policy itself mounts that path. */
function withoutTokenMount(found: Container, rendered: Container): Container {
  const mounts = found.volumeMounts;
  // null as well as absent: the wire types say optional, but a hostile pod may send null.
  if (!Array.isArray(mounts) || rendered.volumeMounts?.some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH))
    return found;
  const kept = mounts.filter((m) => !(m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH && m.readOnly === true));
  return kept.length === mounts.length ? found : copyWith(found, { volumeMounts: kept });
}

/** Whether `found` (from the pod) is `rendered` (from the policy), up to API-server defaults. */
export function sameContainer(found: Container, rendered: Container, hostNetwork: boolean): boolean {
  if (jsonEqual(found, rendered)) return true;
  const pod = withoutTokenMount(found, rendered);
  return jsonEqual(prune(withDefaults(pod, hostNetwork)), prune(withDefaults(rendered, hostNetwork)));
}
