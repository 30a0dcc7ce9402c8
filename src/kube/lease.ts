/**
 * Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it: the holder
 * renews the Lease every retry period; another candidate takes it over only after it saw the same
 * record (holder and resourceVersion) unchanged for a whole lease duration by its own clock, so
 * clocks need not agree; every write carries the resourceVersion read, so two candidates never both
 * win. A holder that cannot renew for the renew deadline stops leading before anyone may take
 * over. stop() hands the Lease back (holder cleared), so a rollout's next replica leads at once.
 *
 * Used so that one webhook replica, not all of them, writes InjectionPolicy status.
 */
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';

/** A Lease as plain JSON (times as RFC 3339 strings with microseconds, as the API server writes them). */
export interface LeaseRecord {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly resourceVersion?: string };
  readonly spec?: {
    readonly holderIdentity?: string;
    readonly leaseDurationSeconds?: number;
    readonly leaseTransitions?: number;
    readonly acquireTime?: string;
    readonly renewTime?: string;
  };
}

/** The three calls election needs; leaseApi() binds them to one Lease of a cluster. */
export interface LeaseApi {
  /** The Lease, or undefined when it does not exist. */
  read(): Promise<LeaseRecord | undefined>;
  create(lease: LeaseRecord): Promise<unknown>;
  /** Fails (409) unless `lease.metadata.resourceVersion` is the stored one. */
  replace(lease: LeaseRecord): Promise<unknown>;
}

/** RFC 3339 with microseconds, the Lease's MicroTime. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '000Z');
/** The client's model object as plain JSON (its Date fields become strings). */
const plain = (value: unknown): LeaseRecord => JSON.parse(JSON.stringify(value)) as LeaseRecord;

export interface ElectorOptions {
  /** This candidate's name in the Lease (the pod name, with the process id). */
  readonly identity: string;
  /** How long a record must stay unchanged before another candidate takes over (default 15 s). */
  readonly leaseMs?: number;
  /** How long the holder keeps leading without a successful renewal (default 10 s). */
  readonly renewDeadlineMs?: number;
  /** Time between attempts (default 2 s). */
  readonly retryMs?: number;
  readonly now?: () => number;
  /** Called on every change of leadership. */
  readonly onChange?: (leading: boolean) => void;
  /** Called with every failed call (the elector keeps trying). */
  readonly onError?: (e: unknown) => void;
}

export interface Elector {
  /** Starts trying; returns at once. */
  start(): void;
  /** One attempt now (start() runs them on a timer); resolves when it is done. */
  tick(): Promise<void>;
  isLeader(): boolean;
  /** Stops trying and, when leading, hands the Lease back. */
  stop(): Promise<void>;
}

const statusOf = (e: unknown): number | undefined => (e as { code?: unknown }).code as number | undefined;

/** The Lease API of one namespace/name through a client of `kc`. */
export function leaseApi(kc: KubeConfig, namespace: string, name: string): LeaseApi {
  const api = kc.makeApiClient(CoordinationV1Api);
  return {
    read: () =>
      api.readNamespacedLease({ name, namespace }).then(
        (lease) => plain(lease),
        (e: unknown) => {
          if (statusOf(e) === 404) return undefined;
          throw e;
        },
      ),
    // The client serialises its model types; a plain record with string times passes through as is.
    create: (body) => api.createNamespacedLease({ namespace, body: body as never }),
    replace: (body) => api.replaceNamespacedLease({ name, namespace, body: body as never }),
  };
}

/** An elector for `api`'s Lease (created when missing, named as the API binds it). */
export function leaseElector(api: LeaseApi, name: { namespace: string; name: string }, o: ElectorOptions): Elector {
  const leaseMs = o.leaseMs ?? 15_000;
  const renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
  const retryMs = o.retryMs ?? 2_000;
  const now = o.now ?? Date.now;
  let leading = false;
  let lastRenew = 0;
  let observed = '';
  let observedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const setLeading = (value: boolean): void => {
    if (value === leading) return;
    leading = value;
    o.onChange?.(value);
  };
  const record = (at: number, lease?: LeaseRecord): LeaseRecord => {
    const spec = lease?.spec ?? {};
    const taking = spec.holderIdentity !== o.identity;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...(lease?.metadata ?? {}), name: name.name, namespace: name.namespace },
      spec: {
        ...spec,
        holderIdentity: o.identity,
        leaseDurationSeconds: Math.ceil(leaseMs / 1000),
        renewTime: microTime(at),
        ...(taking && {
          acquireTime: microTime(at),
          leaseTransitions: lease === undefined ? 0 : (spec.leaseTransitions ?? 0) + 1,
        }),
      },
    };
  };

  async function attempt(): Promise<void> {
    const at = now();
    try {
      const lease = await api.read();
      if (lease === undefined) {
        await api.create(record(at));
        lastRenew = at;
        setLeading(true);
        return;
      }
      const holder = lease.spec?.holderIdentity ?? '';
      const key = `${holder}\0${lease.metadata.resourceVersion ?? ''}`;
      if (key !== observed) {
        observed = key;
        observedAt = at;
      }
      const duration = (lease.spec?.leaseDurationSeconds ?? leaseMs / 1000) * 1000;
      if (holder === o.identity || holder === '' || at - observedAt >= duration) {
        await api.replace(record(at, lease));
        lastRenew = at;
        setLeading(true);
        return;
      }
      setLeading(false);
    } catch (e) {
      o.onError?.(e);
      if (leading && at - lastRenew >= renewDeadlineMs) setLeading(false);
    }
  }

  const tick = (): Promise<void> => {
    running ??= attempt().finally(() => (running = undefined));
    return running;
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void tick().then(schedule), retryMs);
    timer.unref();
  };

  return {
    start() {
      void tick().then(schedule);
    },
    tick,
    isLeader: () => leading,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
      if (!leading) return;
      setLeading(false);
      try {
        const lease = await api.read();
        if (lease?.spec?.holderIdentity !== o.identity) return;
        await api.replace({
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now()) },
        });
      } catch (e) {
        o.onError?.(e); // the others take over after the lease duration
      }
    },
  };
}
