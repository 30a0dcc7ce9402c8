import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FileTrigger, type FileWatchOptions, watchFiles } from '../../../src/kube/file-watch.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `test` holds, checking every 10 ms; fails with `what` after `ms`. */
async function until(test: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(10);
  }
}

/** One callback run: what woke it, when it started, and what the watched file said then. */
interface Call {
  readonly trigger: FileTrigger;
  readonly at: number;
  readonly content: string;
}

describe('kube/file-watch', () => {
  let dir: string;
  const stops: (() => void)[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-watch-'));
  });
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Watches `paths`, recording each call with the content of `file` at that moment. */
  function record(paths: readonly string[], file: string, options: FileWatchOptions): Call[] {
    const calls: Call[] = [];
    stops.push(
      watchFiles(
        paths,
        (trigger) => {
          calls.push({ trigger, at: Date.now(), content: readFileSync(file, 'utf8') });
          return Promise.resolve();
        },
        options,
      ),
    );
    return calls;
  }

  /** The layout kubelet gives a ConfigMap or Secret volume: file -> ..data/file, ..data -> ..2026_01_01. */
  function projected(content: string): string {
    mkdirSync(join(dir, '..2026_01_01'));
    writeFileSync(join(dir, '..2026_01_01', 'file'), content);
    symlinkSync('..2026_01_01', join(dir, '..data'));
    symlinkSync(join('..data', 'file'), join(dir, 'file'));
    return join(dir, 'file');
  }

  /** kubelet's atomic update: a new timestamped directory, a fresh symlink renamed over `..data`. */
  function swap(version: string, content: string): void {
    mkdirSync(join(dir, version));
    writeFileSync(join(dir, version, 'file'), content);
    symlinkSync(version, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  }

  it('sees a ..data symlink swap through the directory watch, without the poll', async () => {
    const file = projected('one');
    const calls = record([file], file, { debounceMs: 50, pollMs: 0 });
    swap('..2026_01_02', 'two');
    await until(() => calls.length > 0, 'a call after the swap');
    await sleep(200);
    deepStrictEqual(
      calls.map((c) => [c.trigger, c.content]),
      [['watch', 'two']],
    );
  });

  it('calls once per burst, after the burst has been quiet for the debounce time', async () => {
    const file = join(dir, 'labels.yaml');
    writeFileSync(file, 'v0');
    const calls = record([file], file, { debounceMs: 150, pollMs: 0 });
    let last = 0;
    for (let i = 1; i <= 10; i++) {
      writeFileSync(file, `v${i}`);
      last = Date.now();
      await sleep(20); // 200 ms of writes in all: longer than the debounce, each write restarts it
    }
    await until(() => calls.length > 0, 'a call after the burst');
    await sleep(300);
    deepStrictEqual(
      calls.map((c) => [c.trigger, c.content]),
      [['watch', 'v10']],
    );
    ok(calls[0]!.at - last >= 140, `called ${calls[0]!.at - last} ms after the last write`);
  });

  it('ignores other files next to a watched file, and takes every file of a watched directory', async () => {
    const file = join(dir, 'tls.crt');
    writeFileSync(file, 'cert');
    const fileCalls = record([file], file, { debounceMs: 30, pollMs: 0 });
    const dirCalls = record([dir], file, { debounceMs: 30, pollMs: 0 });
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(dir, 'server.log'), `line ${i}\n`, { flag: 'a' });
      await sleep(10);
    }
    await until(() => dirCalls.length > 0, 'a call for the directory');
    await sleep(200);
    strictEqual(fileCalls.length, 0, 'a log written next to the file must not wake its watcher');

    writeFileSync(file, 'cert 2');
    await until(() => fileCalls.length > 0, 'a call for the file itself');
    deepStrictEqual(
      fileCalls.map((c) => [c.trigger, c.content]),
      [['watch', 'cert 2']],
    );
  });

  it('falls back to the poll when there are no file-system events', async () => {
    const file = projected('one');
    const calls = record([file], file, { debounceMs: 20, pollMs: 100, fsEvents: false });
    await until(() => calls.length >= 2, 'two poll ticks');
    ok(
      calls.every((c) => c.trigger === 'poll' && c.content === 'one'),
      JSON.stringify(calls),
    );
    swap('..2026_01_02', 'two');
    await until(() => calls.some((c) => c.content === 'two'), 'a poll that sees the swap');
    ok(calls.every((c) => c.trigger === 'poll'));
  });

  it('re-arms the watch from the poll when the directory is removed and created again', async () => {
    const sub = join(dir, 'policies');
    const file = join(sub, 'p.yaml');
    mkdirSync(sub);
    writeFileSync(file, 'before');
    const calls: FileTrigger[] = [];
    stops.push(
      watchFiles(
        [sub],
        (trigger) => {
          calls.push(trigger);
          return Promise.resolve();
        },
        { debounceMs: 20, pollMs: 100 },
      ),
    );
    rmSync(sub, { recursive: true });
    mkdirSync(sub);
    await sleep(300); // at least two poll ticks: the new directory is watched again
    calls.length = 0;
    writeFileSync(file, 'after');
    await until(() => calls.includes('watch'), 'an event from the new directory');
  });

  it('never overlaps calls, and runs once more for a change noticed during a call', async () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'v0');
    let active = 0;
    let most = 0;
    const seen: string[] = [];
    stops.push(
      watchFiles(
        [file],
        async () => {
          active += 1;
          most = Math.max(most, active);
          seen.push(readFileSync(file, 'utf8'));
          await sleep(200);
          active -= 1;
        },
        { debounceMs: 20, pollMs: 0 },
      ),
    );
    writeFileSync(file, 'v1');
    await until(() => seen.length === 1, 'the first call');
    writeFileSync(file, 'v2'); // while the first call is still running
    await sleep(60);
    writeFileSync(file, 'v3');
    await until(() => seen.length === 2 && active === 0, 'one more call after the first');
    await sleep(200);
    strictEqual(most, 1, 'two calls ran at once');
    deepStrictEqual(seen, ['v1', 'v3']);
  });

  it('calls no more once stopped, even with a change pending', async () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'v0');
    const calls: FileTrigger[] = [];
    const stop = watchFiles(
      [file],
      (trigger) => {
        calls.push(trigger);
        return Promise.resolve();
      },
      { debounceMs: 50, pollMs: 20 },
    );
    writeFileSync(file, 'v1');
    await sleep(10);
    stop();
    writeFileSync(file, 'v2');
    await sleep(200);
    deepStrictEqual(calls, []);
  });
});
