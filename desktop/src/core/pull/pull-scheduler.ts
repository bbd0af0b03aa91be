interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Decides when each ride's pull runs. Two pulls of one ride never overlap (they would
 * download the same files twice); pulls of different rides run side by side, at most
 * `maxConcurrent` at once, the rest wait in request order.
 */
export class PullScheduler<T> {
  private readonly running = new Map<string, Promise<T>>();
  private readonly waiting = new Map<string, Deferred<T>>();
  private readonly order: string[] = [];

  constructor(
    private maxConcurrent: number,
    private readonly run: (rideId: string) => Promise<T>,
  ) {
    this.setMaxConcurrent(maxConcurrent);
  }

  /**
   * A new limit (a settings change). Pulls in flight finish; a higher limit starts waiting
   * pulls at once, a lower one holds new pulls back until the running ones are under it.
   */
  setMaxConcurrent(maxConcurrent: number): void {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new Error(`maxConcurrent must be a whole number, at least 1 (got ${maxConcurrent})`);
    }
    this.maxConcurrent = maxConcurrent;
    this.dispatch();
  }

  /**
   * "Pull now": a pull of this ride already running or waiting is joined (its result is
   * this request's result); otherwise one is queued.
   */
  request(rideId: string): Promise<T> {
    const existing = this.running.get(rideId) ?? this.waiting.get(rideId)?.promise;
    if (existing) return existing;
    const d = deferred<T>();
    this.waiting.set(rideId, d);
    this.order.push(rideId);
    this.dispatch();
    return d.promise;
  }

  /**
   * A rule fired: queues a pull unless this ride is already running or waiting (then the tick
   * is skipped, not stacked). Returns whether a pull was queued.
   */
  tick(rideId: string): boolean {
    if (this.state(rideId) !== 'idle') return false;
    // Failures are the pull's to report (status, logs); a tick has no one to tell.
    this.request(rideId).catch(() => undefined);
    return true;
  }

  state(rideId: string): 'running' | 'waiting' | 'idle' {
    if (this.running.has(rideId)) return 'running';
    return this.waiting.has(rideId) ? 'waiting' : 'idle';
  }

  /** Resolves once nothing runs or waits (pulls queued meanwhile included). */
  async idle(): Promise<void> {
    while (this.running.size + this.waiting.size > 0) {
      await Promise.allSettled([
        ...this.running.values(),
        ...[...this.waiting.values()].map((d) => d.promise),
      ]);
    }
  }

  private dispatch(): void {
    while (this.running.size < this.maxConcurrent) {
      const rideId = this.order.shift();
      if (rideId === undefined) return;
      const d = this.waiting.get(rideId);
      if (!d) continue;
      this.waiting.delete(rideId);
      this.running.set(rideId, d.promise);
      const done = (): void => {
        // Freed before the caller hears back, so a request made on the result queues anew.
        this.running.delete(rideId);
        this.dispatch();
      };
      Promise.resolve()
        .then(() => this.run(rideId))
        .then(
          (value) => {
            done();
            d.resolve(value);
          },
          (err: unknown) => {
            done();
            d.reject(err);
          },
        );
    }
  }
}
