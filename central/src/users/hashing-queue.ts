import { Semaphore } from '@zra/shared';
import { RateLimitedError } from '../ingest/rate-limiter.ts';

/** Refused because too many password checks are already waiting (a sign-in flood). */
export class HashingBusyError extends RateLimitedError {
  override name = 'HashingBusyError';
  constructor(retryAfterMs: number) {
    super(
      retryAfterMs,
      `central is checking too many passwords right now: wait ${Math.ceil(retryAfterMs / 1000)} s and try again`,
    );
  }
}

/** Settings of {@link HashingQueue}. */
export interface HashingQueueLimits {
  /** Hashes that run at once (~50 ms and 32 MiB each). */
  concurrency: number;
  /** Hashes that may wait; one more is refused at once instead of queued. */
  maxWaiting: number;
}

/**
 * The one way into scrypt (password.ts hashes on a thread of its own). A sign-in flood must
 * neither pile up work without end nor take the machine from uploads and downloads: at most
 * `concurrency` hashes run at once, at most `maxWaiting` wait, and the next one is refused (its
 * caller answers "too many requests") rather than queued.
 */
export class HashingQueue {
  private readonly slots: Semaphore;

  constructor(readonly limits: HashingQueueLimits) {
    this.slots = new Semaphore(limits.concurrency);
  }

  /** Runs `hash` when a slot is free; throws {@link HashingBusyError} when the queue is full. */
  run<T>(hash: () => Promise<T>): Promise<T> {
    const { running, waiting } = this.slots.load();
    if (running >= this.limits.concurrency && waiting >= this.limits.maxWaiting) {
      // A wait of about one full queue's worth of hashes (~50 ms each).
      return Promise.reject(new HashingBusyError(Math.max(1000, this.limits.maxWaiting * 50)));
    }
    return this.slots.run(hash);
  }

  /** Hashes running and waiting now (for tests and logs). */
  load(): { running: number; waiting: number } {
    return this.slots.load();
  }
}

/**
 * The process's queue, in front of its one hashing thread: one hash at a time (~20 sign-ins a
 * second on an idle machine), 16 waiting (under a second's wait).
 */
export const passwordHashing = new HashingQueue({ concurrency: 1, maxWaiting: 16 });
