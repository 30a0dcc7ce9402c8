/**
 * Follows files the way Kubernetes changes a mounted ConfigMap or Secret volume. Kubelet writes a
 * new `..2026_…` directory, points a fresh symlink at it and renames that symlink over `..data`;
 * the visible files are symlinks through `..data`, so they change without any event on their own
 * inode. A watch on the file itself misses that, so the helper watches the directory that holds
 * each file (or the directory itself, for a directory path), waits for a burst of events to go
 * quiet, and polls as a fallback for the events inotify never delivers (network file systems,
 * exhausted watch limits, a directory replaced while watched).
 *
 * Each caller keeps its own notion of "changed": the callback re-reads and compares, and a file
 * that does not load never replaces what the caller already has.
 */
import { type FSWatcher, statSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/** What woke the callback: a file-system event, or the periodic poll. */
export type FileTrigger = 'watch' | 'poll';

/** Timing of watchFiles; each caller passes its own values. */
export interface FileWatchOptions {
  /** Quiet time after the last relevant event before the callback runs. */
  readonly debounceMs: number;
  /** Interval of the fallback poll, which runs the callback (debounced too); 0 turns it off. */
  readonly pollMs: number;
  /** Use file-system events (default true); false leaves only the poll. */
  readonly fsEvents?: boolean;
}

/** One watched directory, and the entry names in it that count (undefined: every name). */
interface Watched {
  readonly watcher: FSWatcher;
  readonly ino: number;
  names: ReadonlySet<string> | undefined;
  /** The directory itself was removed or renamed away: its watch hears nothing more. */
  stale: boolean;
}

/**
 * Calls `onChange` after `paths` may have changed: once per burst of directory events, and on every
 * poll tick while no burst is pending. Calls never overlap; a change noticed during a call runs the
 * callback once more after it. For a file path, only events naming the file, the `..data` symlink,
 * or no name at all count, so a log written next to a watched file does not wake the callback.
 *
 * Watching never throws and never reports: a directory that cannot be watched (missing, no inotify
 * watches left) or whose watcher fails is left to the poll, which also re-arms the watch once the
 * directory is back or has been replaced. `onChange` handles its own failures; a rejection it lets
 * escape is not swallowed here.
 *
 * Returns the function that stops watching; after it, `onChange` is not called again.
 */
export function watchFiles(
  paths: readonly string[],
  onChange: (trigger: FileTrigger) => Promise<void>,
  options: FileWatchOptions,
): () => void {
  const watched = new Map<string, Watched>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let rerun: FileTrigger | undefined;
  let stopped = false;

  const fire = async (trigger: FileTrigger): Promise<void> => {
    if (stopped) return;
    if (running) {
      rerun = trigger;
      return;
    }
    running = true;
    try {
      await onChange(trigger);
    } finally {
      running = false;
      const next = rerun;
      rerun = undefined;
      if (next !== undefined) void fire(next);
    }
  };
  const schedule = (trigger: FileTrigger): void => {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void fire(trigger);
    }, options.debounceMs);
    timer.unref();
  };
  const forget = (dir: string): void => {
    watched.get(dir)?.watcher.close();
    watched.delete(dir);
  };
  const arm = (): void => {
    const wanted = directoriesOf(paths);
    for (const dir of watched.keys()) if (!wanted.has(dir)) forget(dir);
    for (const [dir, names] of wanted) {
      const ino = inode(dir);
      const current = watched.get(dir);
      if (current !== undefined && current.ino === ino && !current.stale) {
        current.names = names;
        continue;
      }
      forget(dir);
      if (ino === undefined) continue;
      try {
        const self = basename(dir);
        const entry: Watched = {
          watcher: watch(dir, { persistent: false }, (event, name) => {
            // A watch reports the loss of its own directory as a rename of the directory's name; a
            // directory created again may get the same inode, so the inode alone cannot tell.
            if (event === 'rename' && name === self) entry.stale = true;
            if (name === null || entry.names === undefined || entry.names.has(name)) schedule('watch');
          }),
          ino,
          names,
          stale: false,
        };
        entry.watcher.on('error', () => {
          if (watched.get(dir) === entry) forget(dir);
        });
        watched.set(dir, entry);
      } catch {
        // Not watchable now: the poll tries again.
      }
    }
  };

  if (options.fsEvents !== false) arm();
  const poller =
    options.pollMs > 0
      ? setInterval(() => {
          if (options.fsEvents !== false) arm();
          if (timer === undefined) schedule('poll');
        }, options.pollMs)
      : undefined;
  poller?.unref();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    if (poller !== undefined) clearInterval(poller);
    for (const dir of [...watched.keys()]) forget(dir);
  };
}

/** The directory to watch for each path, with the entry names that matter in it (undefined: all). */
function directoriesOf(paths: readonly string[]): Map<string, ReadonlySet<string> | undefined> {
  const dirs = new Map<string, Set<string> | undefined>();
  for (const path of paths) {
    if (inode(path) !== undefined) {
      dirs.set(path, undefined);
      continue;
    }
    const dir = dirname(path);
    if (dirs.has(dir) && dirs.get(dir) === undefined) continue;
    const names = dirs.get(dir) ?? new Set(['..data']);
    names.add(basename(path));
    dirs.set(dir, names);
  }
  return dirs;
}

/** The inode a directory path resolves to now, or undefined when there is none to watch. */
function inode(dir: string): number | undefined {
  try {
    const info = statSync(dir, { throwIfNoEntry: false });
    return info?.isDirectory() ? info.ino : undefined;
  } catch {
    return undefined;
  }
}
