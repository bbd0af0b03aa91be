import type { Logger } from 'pino';
import { sleep } from '../queue/sleep.ts';
import {
  dependencyName,
  infrastructureFault,
  type Dependency,
  type InfrastructureFault,
} from './infrastructure-fault.ts';
import type { StallCounter } from './stall-counter.ts';

/** The first wait after a failure; it doubles up to {@link MAX_WAIT_MS}. */
export const FIRST_WAIT_MS = 500;
/**
 * The longest wait between two tries: once a dependency is back, work resumes within this
 * (plus one timeout), however long the outage lasted.
 */
export const MAX_WAIT_MS = 10_000;

/** The wait was ended by a stop (SIGTERM), not by the dependency coming back. */
export class StoppedWaitingError extends Error {
  override name = 'StoppedWaitingError';
}

/** Options of {@link untilAvailable}. */
export interface UntilAvailableOptions {
  log: Logger;
  /** Ends the wait (with StoppedWaitingError) when aborted. */
  signal?: AbortSignal;
  /** Whom a bare socket error belongs to (default PostgreSQL). */
  dependency?: Dependency;
  stalls?: StallCounter;
  /** Told about each fault before the wait (e.g. to record it). */
  onFault?: (fault: InfrastructureFault, err: unknown) => void;
  firstWaitMs?: number;
  maxWaitMs?: number;
  /** Appended to the log sentence: what the wait means for the work (e.g. nothing is lost). */
  meanwhile?: string;
}

/**
 * Runs `fn` until it succeeds or fails for a reason of its own. A failure of a dependency
 * (PostgreSQL, RabbitMQ, the blob store: unreachable, silent, restarting, full) is waited out
 * with back-off (0.5 s doubling to 10 s) and logged: an error when the outage starts, a warning
 * at each retry, and how long it lasted when it ends. Any other error is thrown at once.
 * `what` says what is being done, for the logs ("record the job's start").
 */
export async function untilAvailable<T>(
  what: string,
  fn: () => Promise<T>,
  options: UntilAvailableOptions,
): Promise<T> {
  const { log, signal } = options;
  let wait = options.firstWaitMs ?? FIRST_WAIT_MS;
  const maxWait = options.maxWaitMs ?? MAX_WAIT_MS;
  let since: number | null = null;
  for (let tries = 1; ; tries++) {
    // A stop lets the work in hand try (it may finish); it only ends the waiting.
    if (tries > 1 && signal?.aborted) {
      throw new StoppedWaitingError(`stopped while waiting to ${what}`);
    }
    try {
      const result = await fn();
      if (since !== null) {
        log.info(
          { waitedMs: Date.now() - since, tries },
          `${what}: the dependency answers again; resumed`,
        );
      }
      return result;
    } catch (err) {
      const fault = infrastructureFault(err, options.dependency);
      if (!fault) throw err;
      if (fault.timeout) options.stalls?.note(fault.dependency);
      options.onFault?.(fault, err);
      const context = {
        dependency: fault.dependency,
        timeout: fault.timeout,
        reason: fault.summary,
        err,
        retryInMs: wait,
        tries,
      };
      const sentence = `cannot ${what}: ${fault.summary}; waiting for ${dependencyName(fault.dependency)} and trying again${options.meanwhile ? ` (${options.meanwhile})` : ''}`;
      if (since === null) {
        since = Date.now();
        log.error(context, sentence);
      } else {
        log.warn({ ...context, waitedMs: Date.now() - since }, sentence);
      }
      if (signal?.aborted) throw new StoppedWaitingError(`stopped while waiting to ${what}`);
      await sleep(wait, signal);
      wait = Math.min(wait * 2, maxWait);
    }
  }
}
