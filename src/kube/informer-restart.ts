/**
 * client-node's informer (its ListWatch) stops for good on an error other than 410 Gone or a watch
 * timeout: a broken connection, a failed relist, the API server restarting. The namespace and the
 * InjectionPolicy informers both start it again this way; their caches keep serving meanwhile.
 */

/** The one informer event this needs. */
interface ErrorSource {
  on(event: 'error', callback: (e: unknown) => void): void;
}

/**
 * Calls `start` (list + watch again) `retryMs` after each error of `informer`, until `stop()`. One
 * restart is pending at a time; `start` must not reject (its own failure is the next error).
 */
export function restartAfterErrors(
  informer: ErrorSource,
  retryMs: number,
  start: () => Promise<void>,
): { stop(): void } {
  let stopped = false;
  let pending: NodeJS.Timeout | undefined;
  informer.on('error', () => {
    if (stopped) return;
    clearTimeout(pending);
    pending = setTimeout(() => void start(), retryMs);
    pending.unref();
  });
  return {
    stop() {
      stopped = true;
      clearTimeout(pending);
    },
  };
}
