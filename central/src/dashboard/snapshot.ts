import type { Logger } from 'pino';

/**
 * A snapshot is refreshed past this many times as long as it took to compute: a watched page
 * costs at most a twenty-fifth of a core per API replica. (Refreshed past five times, a thousand
 * parks' page, 0.2 s without its availability, was computed every second or two while five
 * people watched, and the puts' tail grew with it.)
 */
export const REFRESH_PER_COMPUTE = 25;

/**
 * …and answered, while a refresh runs, until it is this many times as old as it took. (At
 * fifty, a thousand parks' page at 20 ms was too old by the next viewer's poll a second later,
 * and most polls waited for it: 76-88 ms at p95 instead of 21-26.)
 */
export const ANSWER_PER_COMPUTE = 100;

/**
 * A read computed once and shared by everyone asking for a while: the fleet page, which at a
 * thousand parks costs tens of milliseconds of database time, and more when its availability is
 * counted again. Computed per request, ten engineers polling every five seconds would keep a
 * core busy, each waiting for it.
 *
 * - A snapshot is answered while younger than `freshMs`, and than `ANSWER_PER_COMPUTE` times
 *   what it took: a small fleet's page (milliseconds) is as good as computed per request, and
 *   only an expensive one is shared for long.
 * - Past half `freshMs`, or `REFRESH_PER_COMPUTE` times what it took, a request is answered the
 *   kept one and starts a new one in the background, so someone watching does not wait for it.
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
  let kept: { value: T; at: number; refreshAfter: number; answerUntil: number } | null = null;
  let running: Promise<T> | null = null;

  const refresh = (): Promise<T> => {
    if (running) return running;
    const startedAt = now();
    const p = options.compute().then((value) => {
      const took = now() - startedAt;
      kept = {
        value,
        at: startedAt,
        refreshAfter: Math.min(options.freshMs / 2, took * REFRESH_PER_COMPUTE),
        answerUntil: Math.min(options.freshMs, took * ANSWER_PER_COMPUTE),
      };
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
      if (!kept || age >= kept.answerUntil) return refresh();
      if (age >= kept.refreshAfter && !running) {
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
