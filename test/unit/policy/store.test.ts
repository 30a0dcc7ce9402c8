import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicyStore, ReloadEvent } from '../../../src/policy/store.js';
import { PolicyStore as Store } from '../../../src/policy/store.js';

function policy(name: string, image = 'busybox:1.36'): string {
  return `apiVersion: init-injector.io/v1alpha1
kind: InjectionPolicy
metadata:
  name: ${name}
spec:
  initContainers:
    - name: ${name}
      image: ${image}
`;
}

const names = (store: PolicyStore): string[] => store.current().policies.map((p) => p.name);

/** Resolves with the first event that satisfies `test`, or rejects after `ms`. */
function nextEvent(
  events: ReloadEvent[],
  listeners: ((e: ReloadEvent) => void)[],
  test: (e: ReloadEvent) => boolean,
  ms = 8000,
): Promise<ReloadEvent> {
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      reject(
        new Error(
          `no matching reload event within ${ms} ms; saw ${JSON.stringify(events.map((e) => [e.ok, e.trigger]))}`,
        ),
      );
    }, ms);
    listeners.push((e) => {
      if (!test(e)) return;
      clearTimeout(timeout);
      resolve(e);
    });
  });
}

describe('policy/store', () => {
  let dir: string;
  const stops: (() => void)[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'policy-store-'));
  });
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(paths: readonly string[], options = {}): Promise<PolicyStore> {
    const opened = await Store.open(paths, { now: () => 1_700_000_000_000, ...options });
    ok(opened.ok, JSON.stringify(!opened.ok && opened.error));
    return opened.value;
  }

  it('refuses to open on invalid files and returns every diagnostic', async () => {
    writeFileSync(join(dir, 'a.yaml'), policy('Bad_Name'));
    writeFileSync(join(dir, 'b.yaml'), 'kind: [\n');
    const opened = await Store.open([dir]);
    ok(!opened.ok);
    deepStrictEqual(
      opened.error.map((d) => `${d.file.replace(dir, 'DIR')}:${d.line}`),
      ['DIR/a.yaml:4', 'DIR/a.yaml:7', 'DIR/b.yaml:2'],
    );
  });

  it('keeps the last good set after a broken write, records the failure, and swaps after the fix', async () => {
    const file = join(dir, 'p.yaml');
    writeFileSync(file, policy('first'));
    const store = await open([dir]);
    const good = store.current();
    deepStrictEqual(names(store), ['first']);
    strictEqual(store.lastReloadAt, 1_700_000_000_000);

    writeFileSync(file, policy('second', ''));
    strictEqual(await store.reload(), false);
    strictEqual(store.current(), good, 'a failed reload must keep the very same set');
    deepStrictEqual(
      store.lastFailure().map((d) => `${d.line}: ${d.path}`),
      ['8: spec.initContainers[0].image'],
    );
    strictEqual(store.reloadFailures, 1);

    writeFileSync(file, policy('second'));
    strictEqual(await store.reload(), true);
    deepStrictEqual(names(store), ['second']);
    deepStrictEqual(store.lastFailure(), []);
    strictEqual(store.reloadSuccesses, 1);
    deepStrictEqual(
      good.policies.map((p) => p.name),
      ['first'],
      'the old snapshot is unchanged',
    );
  });

  it('keeps the same set object when a reload finds identical content', async () => {
    writeFileSync(join(dir, 'p.yaml'), policy('same'));
    const store = await open([dir]);
    const before = store.current();
    writeFileSync(join(dir, 'p.yaml'), `# a comment only\n${policy('same')}`);
    strictEqual(await store.reload(), true);
    strictEqual(store.current(), before);
  });

  it('shares one follow-up reload between calls made while a reload runs', async () => {
    writeFileSync(join(dir, 'p.yaml'), policy('p'));
    const store = await open([dir]);
    const first = store.reload();
    await new Promise((resolve) => setImmediate(resolve)); // the first reload is now reading files
    const second = store.reload();
    const third = store.reload();
    ok(first !== second);
    strictEqual(second, third);
    await Promise.all([first, second, third]);
    strictEqual(store.reloadSuccesses, 2);
  });

  it('watch() reloads on a file write, keeps the good set on a broken write, and stops cleanly', async () => {
    const file = join(dir, 'p.yaml');
    writeFileSync(file, policy('one'));
    const store = await open([dir], { debounceMs: 50, pollMs: 300 });
    const events: ReloadEvent[] = [];
    const listeners: ((e: ReloadEvent) => void)[] = [];
    stops.push(
      store.watch((e) => {
        events.push(e);
        for (const l of listeners) l(e);
      }),
    );

    const broken = nextEvent(events, listeners, (e) => !e.ok);
    writeFileSync(file, policy('two', '"unterminated'));
    const failure = await broken;
    ok(failure.diagnostics.length > 0);
    deepStrictEqual(names(store), ['one']);

    const fixed = nextEvent(events, listeners, (e) => e.ok && e.changed);
    writeFileSync(file, policy('two'));
    await fixed;
    deepStrictEqual(names(store), ['two']);
  });

  it('watch() follows a ConfigMap-style ..data symlink swap to a new timestamped directory', async () => {
    // The layout kubelet gives a ConfigMap volume: p.yaml -> ..data/p.yaml, ..data -> ..2026_01_01_00_00_00.1
    const first = join(dir, '..2026_01_01_00_00_00.1');
    mkdirSync(first);
    writeFileSync(join(first, 'p.yaml'), policy('before'));
    symlinkSync('..2026_01_01_00_00_00.1', join(dir, '..data'));
    symlinkSync('..data/p.yaml', join(dir, 'p.yaml'));
    const store = await open([dir], { debounceMs: 50, pollMs: 300 });
    deepStrictEqual(names(store), ['before']);

    const events: ReloadEvent[] = [];
    const listeners: ((e: ReloadEvent) => void)[] = [];
    stops.push(
      store.watch((e) => {
        events.push(e);
        for (const l of listeners) l(e);
      }),
    );
    const swapped = nextEvent(events, listeners, (e) => e.ok && e.changed);
    // kubelet's atomic writer: new dir, new symlink ..data_tmp, rename over ..data, remove the old dir.
    const second = join(dir, '..2026_01_01_00_01_00.2');
    mkdirSync(second);
    writeFileSync(join(second, 'p.yaml'), policy('after'));
    symlinkSync('..2026_01_01_00_01_00.2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    rmSync(first, { recursive: true });
    await swapped;
    deepStrictEqual(names(store), ['after']);
  });

  it('watch() notices a change through the fingerprint poll alone', async () => {
    const file = join(dir, 'p.yaml');
    writeFileSync(file, policy('polled'));
    const store = await open([file], { debounceMs: 50, pollMs: 200, fsEvents: false });
    const events: ReloadEvent[] = [];
    const listeners: ((e: ReloadEvent) => void)[] = [];
    stops.push(
      store.watch((e) => {
        events.push(e);
        for (const l of listeners) l(e);
      }),
    );
    const changed = nextEvent(events, listeners, (e) => e.ok && e.changed);
    writeFileSync(file, policy('polled', 'busybox:1.37'));
    strictEqual((await changed).trigger, 'poll');
    strictEqual(store.current().policies[0]?.initContainers[0]?.image, 'busybox:1.37');
  });

  it('watch() keeps the good set while the directory is gone and loads it again when it is back', async () => {
    const policies = join(dir, 'policies');
    mkdirSync(policies);
    writeFileSync(join(policies, 'p.yaml'), policy('kept'));
    const store = await open([policies], { debounceMs: 50, pollMs: 200 });
    const events: ReloadEvent[] = [];
    const listeners: ((e: ReloadEvent) => void)[] = [];
    stops.push(
      store.watch((e) => {
        events.push(e);
        for (const l of listeners) l(e);
      }),
    );
    const gone = nextEvent(events, listeners, (e) => !e.ok);
    rmSync(policies, { recursive: true });
    const failure = await gone;
    ok(
      failure.diagnostics.some((d) => d.message.includes('no such file or directory')),
      JSON.stringify(failure.diagnostics),
    );
    deepStrictEqual(names(store), ['kept']);

    const back = nextEvent(events, listeners, (e) => e.ok && e.changed);
    mkdirSync(policies);
    writeFileSync(join(policies, 'p.yaml'), policy('back'));
    await back;
    deepStrictEqual(names(store), ['back']);
  });

  it('calls onEvent no more after the stop function ran', async () => {
    const file = join(dir, 'p.yaml');
    writeFileSync(file, policy('quiet'));
    const store = await open([dir], { debounceMs: 20, pollMs: 50 });
    const events: ReloadEvent[] = [];
    const stop = store.watch((e) => events.push(e));
    stop();
    writeFileSync(file, policy('loud'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    deepStrictEqual(events, []);
    deepStrictEqual(names(store), ['quiet']);
  });
});
