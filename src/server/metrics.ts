/**
 * Every metric name and label in one place. An own Registry (no global state), the default process
 * metrics, and bounded labels only: `result` and `outcome` are closed sets, `reason` is a Reason
 * code, `policy` is a policy name from the loaded set (bounded by the set, never a pod).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Values of init_injector_admission_requests_total{result}. */
export const AdmissionResult = {
  Patched: 'patched',
  Allowed: 'allowed',
  Denied: 'denied',
  Skipped: 'skipped',
  Invalid: 'invalid',
  Error: 'error',
  /** The client closed the connection before the answer (not our failure). */
  Aborted: 'aborted',
} as const;
export type AdmissionResult = (typeof AdmissionResult)[keyof typeof AdmissionResult];

/** The metrics the server records; built by createMetrics(). */
export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'result'>;
  readonly duration: Histogram<'result'>;
  readonly decisions: Counter<'policy' | 'outcome' | 'reason'>;
  readonly reloads: Counter<'result'>;
  readonly policiesLoaded: Gauge;
  readonly certificateExpiry: Gauge;
  readonly certificateReloads: Counter<'result'>;
  /** --policy-source crd: objects whose generation is not in force as written. */
  readonly policyObjectsInvalid: Gauge;
  readonly statusWrites: Counter<'result'>;
  readonly statusLeader: Gauge;
}

/**
 * Sub-millisecond buckets: the engine takes tens of microseconds and the whole handler well under a
 * millisecond (docs/performance.md), so the API server's own buckets (5 ms and up, in
 * apiserver_admission_webhook_admission_duration_seconds) would put every request in the first one.
 * Upper end 1 s, the Kubernetes SIG Scalability SLO for mutating API calls.
 */
export const DURATION_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** Creates a registry with the init_injector_* metrics and the default process metrics. */
export function createMetrics(options: { readonly processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = new Counter({
    name: 'init_injector_admission_requests_total',
    help: 'Admission requests answered on /mutate, by result (patched, allowed, denied, skipped, invalid, error).',
    labelNames: ['result'] as const,
    registers,
  });
  for (const result of Object.values(AdmissionResult)) requests.inc({ result }, 0);
  const reloadCounter = (name: string, help: string): Counter<'result'> => {
    const c = new Counter({ name, help, labelNames: ['result'] as const, registers });
    c.inc({ result: 'success' }, 0);
    c.inc({ result: 'failure' }, 0);
    return c;
  };
  return {
    registry,
    requests,
    duration: new Histogram({
      name: 'init_injector_admission_duration_seconds',
      help: 'Time from the request reaching the /mutate handler to the response being written, by result.',
      labelNames: ['result'] as const,
      buckets: [...DURATION_BUCKETS],
      registers,
    }),
    decisions: new Counter({
      name: 'init_injector_policy_decisions_total',
      help: 'Per-policy decisions for admitted pods, by policy, outcome (inject, skip, deny, audit, present) and reason code.',
      labelNames: ['policy', 'outcome', 'reason'] as const,
      registers,
    }),
    reloads: reloadCounter(
      'init_injector_policy_reloads_total',
      'Policy reloads after start-up, by result (success, failure). A failure keeps the previous set.',
    ),
    policiesLoaded: new Gauge({
      name: 'init_injector_policies_loaded',
      help: 'Number of policies in the set currently serving.',
      registers,
    }),
    certificateExpiry: new Gauge({
      name: 'init_injector_certificate_expiry_timestamp_seconds',
      help: 'notAfter of the serving certificate currently in use, as a Unix timestamp.',
      registers,
    }),
    certificateReloads: reloadCounter(
      'init_injector_certificate_reloads_total',
      'Serving certificate reloads after start-up, by result (success, failure). A failure keeps the previous pair.',
    ),
    policyObjectsInvalid: new Gauge({
      name: 'init_injector_policy_objects_invalid',
      help: 'With --policy-source crd: InjectionPolicy objects whose latest generation is invalid (an earlier one may stay in force).',
      registers,
    }),
    statusWrites: reloadCounter(
      'init_injector_policy_status_writes_total',
      'InjectionPolicy status writes by this replica, by result (success, failure). Only the status Lease holder writes.',
    ),
    statusLeader: new Gauge({
      name: 'init_injector_policy_status_leader',
      help: '1 while this replica holds the status Lease and writes InjectionPolicy status, else 0.',
      registers,
    }),
  };
}
