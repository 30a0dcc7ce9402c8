/**
 * PolicyStore: the one mutable reference to the PolicySet in use.
 *
 * A reload builds a whole new set and swaps the reference only when every file is valid; a bad
 * write keeps the last good set serving and records its diagnostics (lastFailure()). Requests take
 * current() once and keep that snapshot, so a swap never changes a request in flight.
 *
 * watch() follows the policy paths the way a ConfigMap volume changes them (watchFiles: the
 * directories, bursts debounced for 200 ms, a poll every 2 s). A poll tick reloads only when a
 * cheap fingerprint (names, inodes, sizes, mtimes of the files the symlinks resolve to) moved.
 */
import { stat } from 'node:fs/promises';
import type { PolicySet } from '../engine/types.js';
import { type FileTrigger, watchFiles } from '../kube/file-watch.js';
import { type Diagnostic, type Result, err, ok } from './diagnostics.js';
import { loadPolicies, policyFiles } from './load.js';

/** How a store loads and how watch() reacts; every field has a production default. */
export interface StoreOptions {
  /** Quiet time after the last file event before reloading (default 200 ms). */
  readonly debounceMs?: number;
  /** Fingerprint poll interval, the fallback for missed events (default 2000 ms; 0 turns it off). */
  readonly pollMs?: number;
  /** Use file-system events (default true); false leaves only the poll, e.g. where inotify watches run out. */
  readonly fsEvents?: boolean;
  /** Clock for lastReloadAt (default Date.now). */
  readonly now?: () => number;
  /** The loader (default loadPolicies); tests of callers may pass an in-memory one. */
  readonly load?: (paths: readonly string[]) => Promise<Loaded>;
}

/**
 * What a loader gives: a set, or every problem (the set in use stays). A set may come with `held`
 * problems: parts that were invalid and kept their previous version (InjectionPolicy objects are
 * judged one by one, policy/objects.ts); they are reported as a failure's are.
 */
export type Loaded =
  | { readonly ok: true; readonly value: PolicySet; readonly held?: readonly Diagnostic[] }
  | { readonly ok: false; readonly error: readonly Diagnostic[] };

/** What one reload triggered by watch() did, for logs and metrics. */
export interface ReloadEvent {
  /** True when the files were valid (the set was swapped, or was already identical). */
  readonly ok: boolean;
  /** True when a new set with a different revision replaced the previous one. */
  readonly changed: boolean;
  /** Revision of the set in use after the reload. */
  readonly revision: string;
  /** The problems of a failed reload, or the held ones of a successful one (empty when all was valid). */
  readonly diagnostics: readonly Diagnostic[];
  /** What noticed the change: a file-system event, the fingerprint poll, or a watched object. */
  readonly trigger: FileTrigger | 'object';
}

const DEFAULT_DEBOUNCE_MS = 200;
const DEFAULT_POLL_MS = 2000;

/** Cheap identity of the files a load would read: path, inode, size, mtime of each (symlinks followed). */
async function fingerprint(paths: readonly string[]): Promise<string> {
  const { sources, diagnostics } = await policyFiles(paths);
  const parts = diagnostics.map((d) => `!${d.file}`);
  for (const file of sources.flatMap((s) => s.files)) {
    const info = await stat(file).catch(() => undefined);
    parts.push(info ? `${file}\0${info.ino}\0${info.size}\0${info.mtimeMs}` : `!${file}`);
  }
  return parts.join('\n');
}

/** Holds the PolicySet in use; swaps it only for a fully valid reload. */
export class PolicyStore {
  #current: PolicySet;
  #lastFailure: readonly Diagnostic[] = [];
  #successes = 0;
  #failures = 0;
  #lastReloadAt: number;
  #fingerprint = '';
  /** The reload that has been asked for but not started yet (callers share it). */
  #queued: Promise<boolean> | undefined;
  /** The tail of the reload chain: reloads never overlap. */
  #tail: Promise<unknown> = Promise.resolve();
  readonly #paths: readonly string[];
  readonly #options: StoreOptions;
  readonly #now: () => number;
  readonly #load: (paths: readonly string[]) => Promise<Loaded>;

  /** A store serving `initial`; reload() reads `paths`. Prefer PolicyStore.open(). */
  constructor(initial: PolicySet, paths: readonly string[] = [], options: StoreOptions = {}) {
    this.#current = initial;
    this.#paths = Object.freeze([...paths]);
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#load = options.load ?? loadPolicies;
    this.#lastReloadAt = this.#now();
  }

  /** Loads `paths` once; a store only exists for a valid set, else every diagnostic is returned. */
  static async open(
    paths: readonly string[],
    options: StoreOptions = {},
  ): Promise<Result<PolicyStore, readonly Diagnostic[]>> {
    const print = await fingerprint(paths);
    const loaded: Loaded = await (options.load ?? loadPolicies)(paths);
    if (!loaded.ok) return err(loaded.error);
    const store = new PolicyStore(loaded.value, paths, options);
    store.#fingerprint = print;
    store.#lastFailure = loaded.held ?? [];
    return ok(store);
  }

  /** The set in use. Callers keep this reference for the whole request. */
  current(): PolicySet {
    return this.#current;
  }

  /**
   * Problems of the last reload: all of them when it failed (nothing was swapped), or the `held`
   * ones of a loader that keeps invalid parts at their previous version; empty when all was valid.
   */
  lastFailure(): readonly Diagnostic[] {
    return this.#lastFailure;
  }

  /** Reloads that succeeded since open (an identical set counts). */
  get reloadSuccesses(): number {
    return this.#successes;
  }

  /** Reloads that failed since open (the previous set kept serving). */
  get reloadFailures(): number {
    return this.#failures;
  }

  /** Epoch ms of the last completed load attempt, the initial one included. */
  get lastReloadAt(): number {
    return this.#lastReloadAt;
  }

  /** The directories and files this store reads. */
  get paths(): readonly string[] {
    return this.#paths;
  }

  /**
   * Reads every file again. On success swaps in the new set (kept as is when its revision is
   * unchanged) and returns true; on failure keeps the current set, records the diagnostics and
   * returns false. Calls made while a reload runs share one follow-up reload.
   */
  reload(): Promise<boolean> {
    if (this.#queued) return this.#queued;
    const run = this.#tail.then(() => {
      this.#queued = undefined;
      return this.#reloadOnce();
    });
    this.#queued = run;
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #reloadOnce(): Promise<boolean> {
    this.#fingerprint = await fingerprint(this.#paths);
    const loaded = await this.#load(this.#paths);
    this.#lastReloadAt = this.#now();
    if (!loaded.ok) {
      this.#failures++;
      this.#lastFailure = loaded.error;
      return false;
    }
    this.#successes++;
    this.#lastFailure = loaded.held ?? [];
    if (loaded.value.revision !== this.#current.revision) this.#current = loaded.value;
    return true;
  }

  /** One reload for `trigger`, and what it did as a ReloadEvent. */
  async #reloadAndReport(trigger: ReloadEvent['trigger'], report: (e: ReloadEvent) => void): Promise<void> {
    const before = this.#current;
    const ok = await this.reload();
    report({
      ok,
      changed: this.#current !== before,
      revision: this.#current.revision,
      diagnostics: this.#lastFailure,
      trigger,
    });
  }

  /**
   * Reloads whenever `subscribe` reports a change (the InjectionPolicy objects of the cluster, for a
   * store whose loader reads them) and reports each outcome to `onEvent`, as watch() does for files.
   */
  follow(subscribe: (changed: () => void) => () => void, onEvent?: (event: ReloadEvent) => void): () => void {
    let stopped = false;
    const unsubscribe = subscribe(() => {
      void this.#reloadAndReport('object', (e) => {
        if (!stopped) onEvent?.(e);
      });
    });
    return () => {
      stopped = true;
      unsubscribe();
    };
  }

  /**
   * Reloads when the files change (file-system events, debounced, plus the fingerprint poll) and
   * reports each outcome to `onEvent`. Returns the function that stops watching and closes every
   * watcher and timer; after it, `onEvent` is never called again.
   */
  watch(onEvent?: (event: ReloadEvent) => void): () => void {
    let stopped = false;
    const stop = watchFiles(
      this.#paths,
      async (trigger) => {
        // A poll tick reloads only when the files moved since the last reload.
        if (trigger === 'poll' && (await fingerprint(this.#paths)) === this.#fingerprint) return;
        await this.#reloadAndReport(trigger, (e) => {
          if (!stopped) onEvent?.(e);
        });
      },
      {
        debounceMs: this.#options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
        pollMs: this.#options.pollMs ?? DEFAULT_POLL_MS,
        fsEvents: this.#options.fsEvents ?? true,
      },
    );
    return () => {
      stopped = true;
      stop();
    };
  }
}
