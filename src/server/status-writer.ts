/**
 * Writes each InjectionPolicy's status (policy/object-status.ts) from the replica that holds the
 * status Lease (kube/lease.ts); the others only serve. Writes run after a reload, one object at a
 * time, off the admission path: nothing an admission waits for ever awaits them. An object whose
 * status already says the right thing is not written, so the update events our own writes cause
 * settle at once, and a new leader writes only what its predecessor left stale. A failed write is
 * logged and retried at the next pass (every reload, leadership change and `resyncMs`).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ObjectOutcome } from '../policy/objects.js';
import { desiredStatus, statusPatch } from '../policy/object-status.js';
import type { Metrics } from './metrics.js';

export interface StatusWriterDeps {
  /** The objects as cached and what the last load made of each. */
  readonly outcomes: () => readonly { readonly object: KubernetesObject; readonly outcome: ObjectOutcome }[];
  readonly isLeader: () => boolean;
  /** Merge-patches one object's status subresource. */
  readonly patch: (name: string, body: object) => Promise<unknown>;
  readonly log: Logger;
  readonly metrics: Pick<Metrics, 'statusWrites'>;
  readonly now?: () => Date;
  /** A pass this often even without events (default 30 s; 0: none). */
  readonly resyncMs?: number;
}

export interface StatusWriter {
  /** Asks for a pass; passes never overlap, and asks during one make one more. */
  poke(): void;
  /** Resolves when no pass is running or asked for. */
  idle(): Promise<void>;
  stop(): void;
}

export function statusWriter(d: StatusWriterDeps): StatusWriter {
  const now = d.now ?? (() => new Date());
  let running: Promise<void> | undefined;
  /** Pokes so far; a pass repeats while pokes arrived during it. */
  let asked = 0;
  let stopped = false;
  const live = (): boolean => !stopped && d.isLeader();

  async function pass(): Promise<void> {
    let served = -1;
    while (served !== asked && !stopped) {
      served = asked;
      for (const { object, outcome } of d.outcomes()) {
        if (!live()) return;
        const current = (object as { status?: unknown }).status;
        const next = desiredStatus(outcome, current, now().toISOString());
        if (next === undefined) continue;
        try {
          await d.patch(outcome.name, statusPatch(current, next));
          d.metrics.statusWrites.inc({ result: 'success' });
        } catch (e) {
          d.metrics.statusWrites.inc({ result: 'failure' });
          d.log.warn(
            { policy: outcome.name, err: e instanceof Error ? e.message : String(e) },
            'InjectionPolicy status not written; retried at the next pass',
          );
        }
      }
    }
  }

  const poke = (): void => {
    if (stopped || !d.isLeader()) return;
    asked++;
    if (running !== undefined) return;
    running = pass().finally(() => (running = undefined));
  };
  const resyncMs = d.resyncMs ?? 30_000;
  const timer = resyncMs > 0 ? setInterval(poke, resyncMs) : undefined;
  timer?.unref();
  return {
    poke,
    idle: async () => {
      while (running !== undefined) await running;
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
