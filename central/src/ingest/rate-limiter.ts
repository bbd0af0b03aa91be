/** A refused call: how long until the bucket holds a token again. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterMs: number) {
    super(
      `too many requests for this park token: slow down and retry after ${Math.ceil(retryAfterMs / 1000)} s`,
    );
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

  /** Takes one token for `key`, or throws {@link RateLimitedError} with the wait. */
  take(key: string): void {
    const now = this.now();
    this.sweep(now);
    const b = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    const tokens = Math.min(
      this.limit.burst,
      b.tokens + ((now - b.at) / 1000) * this.limit.perSecond,
    );
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      throw new RateLimitedError(((1 - tokens) / this.limit.perSecond) * 1000);
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
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
