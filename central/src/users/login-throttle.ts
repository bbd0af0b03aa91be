import { RateLimitedError, TokenBucketLimiter, type RateLimit } from '../ingest/rate-limiter.ts';

/** The buckets of {@link LoginThrottle}; each refills continuously up to its burst. */
export interface LoginThrottleSettings {
  /** Attempts per (source address, username): slows guessing one account from one place. */
  perSourceAndName: RateLimit;
  /** Attempts per source address, whatever the name: new names get no fresh allowance. */
  perSource: RateLimit;
  /** Attempts from browsers central does not know, all sources together: bounds the hashing. */
  global: RateLimit;
  /** Wrong passwords per account, all sources together: bounds guessing from many addresses. */
  perAccountFailures: RateLimit;
}

/**
 * The defaults: 10 tries per address and name then one per 6 s; 50 per address then one a
 * second; 30 from unknown browsers at once then 5 a second in all (a quarter of what one
 * hashing slot can do, ~20 a second); 20 wrong passwords per account then one a minute.
 */
export const DEFAULT_LOGIN_THROTTLE: LoginThrottleSettings = {
  perSourceAndName: { perSecond: 1 / 6, burst: 10 },
  perSource: { perSecond: 1, burst: 50 },
  global: { perSecond: 5, burst: 30 },
  perAccountFailures: { perSecond: 1 / 60, burst: 20 },
};

/** A sign-in refused before its password was checked; the message says how long to wait. */
export class LoginThrottledError extends RateLimitedError {
  override name = 'LoginThrottledError';
  constructor(retryAfterMs: number) {
    super(
      retryAfterMs,
      `too many sign-in attempts: wait ${Math.ceil(retryAfterMs / 1000)} s and try again`,
    );
  }
}

/** One sign-in attempt as the throttle sees it. */
export interface LoginAttempt {
  /** The client's address (behind a trusted proxy, from `X-Forwarded-For`). */
  source: string;
  username: string;
  /**
   * Whether the browser holds a known-device cookie of this user (it signed in with the right
   * password before): it then skips the account and global limits, so a stranger who spends
   * them does not lock the real user out. Asked only once the per-address limits passed (it
   * reads the database).
   */
  knownDevice: () => Promise<boolean>;
}

/**
 * Decides, before any scrypt work, whether a sign-in attempt may be checked. All limits live in
 * this process (each API replica counts on its own).
 *
 * - A stranger cannot lock a user out: the per-address limits hit only the address that
 *   guesses; the per-account limit, which guessing from many addresses does spend, is skipped by
 *   the user's own browsers (known-device cookie), so the user still signs in from those.
 * - New usernames buy no new allowance (per address), and many addresses together no more than
 *   the global rate, so a flood costs central at most the hashing it can afford.
 */
export class LoginThrottle {
  private readonly perSourceAndName: TokenBucketLimiter;
  private readonly perSource: TokenBucketLimiter;
  private readonly global: TokenBucketLimiter;
  private readonly perAccountFailures: TokenBucketLimiter;

  constructor(
    settings: LoginThrottleSettings = DEFAULT_LOGIN_THROTTLE,
    now: () => number = () => performance.now(),
  ) {
    this.perSourceAndName = new TokenBucketLimiter(settings.perSourceAndName, now);
    this.perSource = new TokenBucketLimiter(settings.perSource, now);
    this.global = new TokenBucketLimiter(settings.global, now);
    this.perAccountFailures = new TokenBucketLimiter(settings.perAccountFailures, now);
  }

  /** Takes the attempt from its buckets, or throws {@link LoginThrottledError} with the wait. */
  async admit(attempt: LoginAttempt): Promise<void> {
    const name = normalise(attempt.username);
    throttled(() => {
      // Per address first: a flood from one address never reaches (or grows) the other maps.
      this.perSource.take(attempt.source);
      this.perSourceAndName.take(`${attempt.source}|${name}`);
    });
    if (await attempt.knownDevice()) return;
    throttled(() => {
      this.perAccountFailures.check(name);
      this.global.take('all');
    });
  }

  /** Counts a wrong password against the account (all sources together). */
  failed(username: string): void {
    try {
      this.perAccountFailures.take(normalise(username));
    } catch (err) {
      // Already empty: the next attempt is refused by admit(); nothing more to count.
      if (!(err instanceof RateLimitedError)) throw err;
    }
  }
}

function normalise(username: string): string {
  return username.trim().toLowerCase().slice(0, 200);
}

function throttled(take: () => void): void {
  try {
    take();
  } catch (err) {
    if (err instanceof RateLimitedError) throw new LoginThrottledError(err.retryAfterMs);
    throw err;
  }
}
