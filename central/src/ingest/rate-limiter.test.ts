import { describe, expect, it } from 'vitest';
import { RateLimitedError, TokenBucketLimiter } from './rate-limiter.ts';

describe('token bucket limiter', () => {
  it('lets a burst through, then refuses with the wait until the next token', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 2, burst: 3 }, () => now);
    for (let i = 0; i < 3; i++) limiter.take('a');
    const err = (() => {
      try {
        limiter.take('a');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBeCloseTo(500);
    // Another key has its own bucket.
    expect(() => limiter.take('b')).not.toThrow();
    now = 500;
    expect(() => limiter.take('a')).not.toThrow();
    expect(() => limiter.take('a')).toThrow(RateLimitedError);
  });

  it('refills to the burst and no further after a quiet spell', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 1, burst: 2 }, () => now);
    limiter.take('a');
    limiter.take('a');
    now = 3_600_000;
    limiter.take('a');
    limiter.take('a');
    expect(() => limiter.take('a')).toThrow(RateLimitedError);
  });

  it('takes a call that costs several tokens whole, waits for all of them, and caps it at the burst', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 2, burst: 4 }, () => now);
    limiter.take('a', 3);
    // One token left: a call costing 3 must wait for two more (1 s at 2 a second).
    const err = (() => {
      try {
        limiter.take('a', 3);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect((err as RateLimitedError).retryAfterMs).toBeCloseTo(1000);
    expect(() => limiter.take('a')).not.toThrow();
    now = 1_500;
    expect(() => limiter.take('a', 3)).not.toThrow();
    // A cost above the bucket's size costs the whole bucket instead of never passing.
    const small = new TokenBucketLimiter({ perSecond: 1, burst: 2 }, () => now);
    expect(() => small.take('b', 3)).not.toThrow();
    expect(() => small.take('b')).toThrow(RateLimitedError);
  });
});
