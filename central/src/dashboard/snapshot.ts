import type { Logger } from 'pino';

/**
 * A snapshot is kept at most this many times as long as it took to compute: refreshed past half
 * that, a watched page costs at most a twenty-fifth of a core per API replica. (At ten, a
 * thousand parks' page, 0.2 s without its availability, was computed every second or two while
 * five people watched, and the puts' tail grew with it.)
 */
export const KEEP_PER_COMPUTE = 50;

/**
 * A read computed once and shared by everyone asking for a while: the fleet page, which at a
 * thousand parks costs about a second of database time (today's availability of every ride in
 * every park, by the counting rule). Computed per request, ten engineers polling every five
 * seconds would keep a core busy, each waiting for it.
 *
 * - A snapshot is fresh for `freshMs` at most, and for no longer than `KEEP_PER_COMPUTE` times
 *   what it took: a small fleet's page (milliseconds) is as good as computed per request, and
 *   only an expensive one is shared for long.
 * - A fresh snapshot is answered at once. Past half its fresh time, a request also starts a
 *   new one in the background, so someone watching the page does not wait for it.
 * - An older one (or none) is never answered: the request waits for a new computation, which
 *   concurrent requests share. The answer names its own time (the fleet's `generatedAt`).
 * - A computation that fails is not kept: the requests waiting for it get its error; a failed
 *   background refresh is logged, and a request once the snapshot is too old tries again.
 * - `freshMs` 0 computes on every request.
 */
export interface Snapshot<T> {
  get(): Promise<T>;
}

export function createSnapshot<T>(options: {
  /** What it holds, for the log. */
  what: string;
  compute: () => Promise<T>;
  freshMs: number;
  log: Logger;
  now?: () => number;
}): Snapshot<T> {
  const now = options.now ?? Date.now;
  let kept: { value: T; at: number; freshMs: number } | null = null;
  let running: Promise<T> | null = null;

  const refresh = (): Promise<T> => {
    if (running) return running;
    const startedAt = now();
    const p = options.compute().then((value) => {
      const took = now() - startedAt;
      kept = { value, at: startedAt, freshMs: Math.min(options.freshMs, took * KEEP_PER_COMPUTE) };
      return value;
    });
    running = p;
    const clear = () => {
      if (running === p) running = null;
    };
    p.then(clear, clear);
    return p;
  };

  return {
    get() {
      if (options.freshMs <= 0) return options.compute();
      const age = kept ? now() - kept.at : Infinity;
      if (!kept || age >= kept.freshMs) return refresh();
      if (age >= kept.freshMs / 2 && !running) {
        refresh().catch((err: unknown) => {
          options.log.warn(
            { err, what: options.what },
            'refreshing a shared snapshot failed; the next request once it is too old tries again',
          );
        });
      }
      return Promise.resolve(kept.value);
    },
  };
}
