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
}

/** A failure that another attempt cannot fix (the subject is gone, the input is invalid). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/**
 * One kind of job: how to read its message, do it, and record a failed attempt. The worker
 * shell owns delivery, attempts, job_runs and ack/nack; a kind owns its subject's state.
 */
export interface JobKind<M> {
  queue: QueueName;
  message: z.ZodType<M>;
  subject(message: M): string;
  /** Does the job; throws on failure. Must be safe to run again for the same message. */
  run(deps: JobDeps, message: M): Promise<void>;
  /** The attempt failed and another will follow: show the error, keep the subject pending. */
  onRetry(deps: JobDeps, message: M, error: string): Promise<void>;
  /** No more attempts: the subject ends `failed` with the reason. */
  onGiveUp(deps: JobDeps, message: M, error: string): Promise<void>;
  /**
   * The broker dead-lettered the message by itself (the worker crashed or was killed on every
   * delivery): mark the subject failed unless it already ended.
   */
  onDeadLettered(deps: JobDeps, message: M): Promise<void>;
}
