import type pg from 'pg';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { BlobStore } from '../blob/blob-store.ts';
import type { CentralConfig } from '../config.ts';
import type { QueueName } from '../queue/queue-names.ts';

/** What every job handler may use. */
export interface JobDeps {
  pool: pg.Pool;
  config: CentralConfig;
  blobs: BlobStore;
  log: Logger;
  /** Aborted when the worker is told to stop: a running job binary is stopped with it. */
  stop?: AbortSignal;
}

/** A pool or a client inside a transaction: where a kind writes its subject's state. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** A failure that another attempt cannot fix: its stable code, what happened, what to do. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
  constructor(
    readonly code: string,
    message: string,
    readonly todo: string,
  ) {
    super(message);
  }
}

/** A failed attempt as stored: stable code and the sentence for people. */
export interface StoredError {
  code: string;
  text: string;
}

/** Where a job's subject stands, seen before a delivery is run. */
export type SubjectState =
  /** Waiting for a job (or being done): run it. */
  | 'pending'
  /** Done already (a redelivery after a lost ack): running again rewrites the same rows. */
  | 'done'
  /** Given up; only a person's retry brings it back: a stray copy of the message is dropped. */
  | 'failed'
  /** Gone (never existed, or deleted). */
  | 'missing';

/**
 * One kind of job: how to read its message, do it, and record a failed attempt. The worker
 * shell owns delivery, attempts, job_runs and ack/nack; a kind owns its subject's state.
 */
export interface JobKind<M> {
  queue: QueueName;
  message: z.ZodType<M>;
  subject(message: M): string;
  /** Where the subject stands now. */
  state(db: Queryable, message: M): Promise<SubjectState>;
  /**
   * Does the job; throws on failure. Must be safe to run again for the same message (it is,
   * after an outage of a dependency, within the same attempt).
   */
  run(deps: JobDeps, message: M): Promise<void>;
  /** The attempt failed and another will follow: show the error, keep the subject pending. */
  onRetry(db: Queryable, message: M, error: StoredError): Promise<void>;
  /** No more attempts: the subject ends `failed` with the reason. */
  onGiveUp(db: Queryable, message: M, error: StoredError): Promise<void>;
  /**
   * Sends the subject to its queue again through the outbox (a fresh message, so the broker's
   * delivery count starts over), keeping it pending.
   */
  requeue(db: Queryable, message: M): Promise<void>;
}
