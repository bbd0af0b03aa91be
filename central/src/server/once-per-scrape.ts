/**
 * Wraps a read so that callers overlapping in time (the collectors of one scrape, which
 * prom-client runs concurrently) share one call; the next scrape reads afresh.
 */
export function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= read().finally(() => {
      pending = null;
    });
    return pending;
  };
}
