/**
 * A refused call: how long until the bucket holds a token again. The API answers it with
 * TOO_MANY_REQUESTS, `retry-after` and `data.retryAfterS` (the agent's back-off honours them).
 */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(
    readonly retryAfterMs: number,
    message = `too many requests for this park token: slow down and retry after ${Math.ceil(retryAfterMs / 1000)} s`,
  ) {
    super(message);
  }
}

/** Settings of {@link TokenBucketLimiter}. */
export interface RateLimit {
  /** Tokens added per second (the sustained request rate). */
  perSecond: number;
  /** Bucket size: how many requests may come at once after a quiet spell. */
  burst: number;
}

/**
 * One token bucket per key (a park token's hash), in this process. A full bucket is the same
 * as no bucket, so full ones are forgotten and memory stays bounded by the busy keys.
 * With N API replicas behind a load balancer a park gets up to N times the rate.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Takes `cost` tokens for `key` (at most the bucket's size, so any call can pass after a
   * quiet spell), or throws {@link RateLimitedError} with the wait.
   */
  take(key: string, cost = 1): void {
    const now = this.now();
    this.sweep(now);
    const tokens = this.tokensAt(key, now);
    const need = Math.min(cost, this.limit.burst);
    if (tokens < need) {
      this.buckets.set(key, { tokens, at: now });
      throw new RateLimitedError(this.waitMs(tokens, need));
    }
    this.buckets.set(key, { tokens: tokens - need, at: now });
  }

  /**
   * Throws {@link RateLimitedError} when `key` has no token left, without taking one: for
   * limits that count only some outcomes (failed sign-ins), taken later with {@link take}.
   */
  check(key: string): void {
    const tokens = this.tokensAt(key, this.now());
    if (tokens < 1) throw new RateLimitedError(this.waitMs(tokens));
  }

  private tokensAt(key: string, now: number): number {
    const b = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    return Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSecond);
  }

  private waitMs(tokens: number, need = 1): number {
    return ((need - tokens) / this.limit.perSecond) * 1000;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.limit.perSecond >= this.limit.burst) {
        this.buckets.delete(key);
      }
    }
  }
}
