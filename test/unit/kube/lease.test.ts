// Leader election on a Lease, against an in-memory Lease store that enforces resourceVersion as the
// API server does (the real one is exercised by test/e2e/crd-status.test.ts): one leader at a time,
// takeover only after a whole lease duration without change, a hand-back lets the next one lead at
// once, and a leader that cannot renew stops leading before anyone may take over.
import { deepStrictEqual, equal, rejects } from 'node:assert/strict';
import { leaseElector, type ElectorOptions, type LeaseApi, type LeaseRecord } from '../../../src/kube/lease.js';

class Conflict extends Error {
  readonly code = 409;
}

function store(): LeaseApi & { lease?: LeaseRecord; down: boolean } {
  let version = 0;
  const s: LeaseApi & { lease?: LeaseRecord; down: boolean } = {
    down: false,
    read() {
      if (s.down) return Promise.reject(new Error('connection refused'));
      return Promise.resolve(s.lease === undefined ? undefined : structuredClone(s.lease));
    },
    create(lease) {
      if (s.down) return Promise.reject(new Error('connection refused'));
      if (s.lease !== undefined) return Promise.reject(new Conflict('exists'));
      s.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++version) } };
      return Promise.resolve(s.lease);
    },
    replace(lease) {
      if (s.down) return Promise.reject(new Error('connection refused'));
      if (lease.metadata.resourceVersion !== s.lease?.metadata.resourceVersion)
        return Promise.reject(new Conflict('the object has been modified'));
      s.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++version) } };
      return Promise.resolve(s.lease);
    },
  };
  return s;
}

/** The Lease's spec now (a call, so one assertion's narrowing never leaks into the next). */
const specOf = (api: { lease?: LeaseRecord }): NonNullable<LeaseRecord['spec']> => api.lease?.spec ?? {};

describe('kube: lease elector', () => {
  const NAME = { namespace: 'ns', name: 'status' };
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => (clock = 1_000_000));
  /** Candidates a and b on one fresh Lease store; `aOptions` adds to a's options. */
  const twoCandidates = (aOptions: Partial<ElectorOptions> = {}) => {
    const api = store();
    const a = leaseElector(api, NAME, { identity: 'a', now, ...aOptions });
    const b = leaseElector(api, NAME, { identity: 'b', now });
    return { api, a, b };
  };

  it('elects exactly one of two candidates and records it in the Lease', async () => {
    const { api, a, b } = twoCandidates();
    await a.tick();
    await b.tick();
    deepStrictEqual([a.isLeader(), b.isLeader()], [true, false]);
    equal(specOf(api).holderIdentity, 'a');
    equal(specOf(api).leaseDurationSeconds, 15);
    equal(specOf(api).leaseTransitions, 0);
    equal(specOf(api).renewTime, '1970-01-01T00:16:40.000000Z');
  });

  it('takes over only after the record stayed unchanged for a whole lease duration', async () => {
    const { api, a, b } = twoCandidates();
    await a.tick();
    await b.tick();
    clock += 10_000;
    await a.tick(); // a renews: b's observation starts again
    await b.tick();
    clock += 14_000;
    await b.tick();
    equal(b.isLeader(), false, 'a renewed 14 s ago');
    clock += 1_000; // a stopped renewing 15 s ago (as b observed it)
    await b.tick();
    equal(b.isLeader(), true);
    equal(specOf(api).holderIdentity, 'b');
    equal(specOf(api).leaseTransitions, 1);
    // a, back, sees it lost and does not fight.
    await a.tick();
    deepStrictEqual([a.isLeader(), specOf(api).holderIdentity], [false, 'b']);
  });

  it('hands the Lease back on stop, so the next candidate leads at its next attempt', async () => {
    const changes: boolean[] = [];
    const { api, a, b } = twoCandidates({ onChange: (l) => changes.push(l) });
    await a.tick();
    await b.tick();
    await a.stop();
    deepStrictEqual(changes, [true, false]);
    equal(specOf(api).holderIdentity, '');
    await b.tick();
    equal(b.isLeader(), true);
  });

  it('stops leading when it cannot renew for the renew deadline, before anyone may take over', async () => {
    const api = store();
    const errors: unknown[] = [];
    const a = leaseElector(api, NAME, { identity: 'a', now, onError: (e) => errors.push(e) });
    await a.tick();
    api.down = true;
    clock += 9_000;
    await a.tick();
    equal(a.isLeader(), true, '9 s without renewal: still within the 10 s deadline');
    clock += 1_000;
    await a.tick();
    equal(a.isLeader(), false);
    equal(errors.length, 2);
  });

  it('loses a race for the Lease to the candidate that wrote first', async () => {
    const { api, a, b } = twoCandidates();
    await Promise.all([a.tick(), b.tick()]);
    equal([a.isLeader(), b.isLeader()].filter(Boolean).length, 1);
    await rejects(api.create({ metadata: {} }), /exists/);
  });
});
