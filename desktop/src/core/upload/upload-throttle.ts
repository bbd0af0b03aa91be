/** Time as the throttle sees it; a test injects one that advances only when slept. */
export interface ThrottleClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: ThrottleClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket on the upload's chunk stream: `take(n)` resolves once `n` more bytes may be
 * sent without exceeding `bytesPerSecond()` (read at each call, so a settings change applies
 * to the next chunk; null means no limit). The bucket starts empty and holds at most one
 * second of bytes, so N bytes never leave faster than N / limit after a fresh start, and at
 * most one second's worth faster after a pause. A chunk larger than the bucket is let through
 * and paid for by waiting afterwards (debt), so any chunk size works.
 */
export class UploadThrottle {
  private tokens = 0;
  private last: number;

  constructor(
    private readonly bytesPerSecond: () => number | null,
    private readonly clock: ThrottleClock = realClock,
  ) {
    this.last = clock.now();
  }

  async take(bytes: number): Promise<void> {
    const rate = this.bytesPerSecond();
    const now = this.clock.now();
    if (rate === null) {
      this.tokens = 0;
      this.last = now;
      return;
    }
    this.tokens = Math.min(rate, this.tokens + ((now - this.last) / 1000) * rate);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens < 0) {
      await this.clock.sleep(Math.ceil((-this.tokens / rate) * 1000));
      // The wait paid the debt: the bucket is empty at the moment it ends.
      this.tokens = 0;
      this.last = this.clock.now();
    }
  }
}
