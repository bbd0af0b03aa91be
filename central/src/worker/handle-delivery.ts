import type { ConsumeMessage, GetMessage } from 'amqplib';
import { sleep } from '../queue/sleep.ts';
import type { JobDeps, JobKind } from './job-kind.ts';
import { PermanentJobError } from './job-kind.ts';
import { finishJobRun, startJobRun } from './job-runs.ts';
import { JobBinaryError } from './run-job-binary.ts';

/** What to tell the broker about a delivery. */
export type DeliveryVerdict = 'ack' | 'requeue' | 'reject';

/** How many times the queue has handed this message out before (quorum queues count it). */
export function previousDeliveries(msg: ConsumeMessage | GetMessage): number {
  const count: unknown = msg.properties.headers?.['x-delivery-count'];
  return typeof count === 'number' ? count : 0;
}

/** Settings of the retry policy. */
export interface DeliveryPolicy {
  /** Attempts before giving up (matches the queue's x-delivery-limit). */
  deliveryLimit: number;
  /** Wait before requeueing attempt n: base × 2^(n-1), at most 30 s; quorum queues redeliver at once. */
  retryDelayMs: number;
  signal?: AbortSignal;
}

/**
 * Runs one delivery of a job: records a job_runs row, runs the kind, and decides ack /
 * requeue / reject. Gives up (subject `failed`, message to the dead-letter queue) on the last
 * allowed attempt or on a failure that cannot change on retry.
 */
export async function handleDelivery<M>(
  kind: JobKind<M>,
  deps: JobDeps,
  msg: ConsumeMessage | GetMessage,
  policy: DeliveryPolicy,
): Promise<DeliveryVerdict> {
  const parsed = kind.message.safeParse(safeJson(msg.content.toString('utf8')));
  if (!parsed.success) {
    deps.log.error(
      { queue: kind.queue, body: msg.content.toString('utf8').slice(0, 200) },
      'unreadable message dead-lettered',
    );
    return 'reject';
  }
  const message = parsed.data;
  const subject = kind.subject(message);
  const attempt = previousDeliveries(msg) + 1;
  const log = deps.log.child({ job: kind.queue, subject, attempt });
  const runId = await startJobRun(deps.pool, kind.queue, subject, attempt);
  const started = Date.now();
  try {
    await kind.run({ ...deps, log }, message);
    await finishJobRun(deps.pool, runId, 'succeeded');
    log.info({ ms: Date.now() - started }, 'job succeeded');
    return 'ack';
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    const permanent =
      err instanceof PermanentJobError || (err instanceof JobBinaryError && err.permanent);
    if (permanent || attempt >= policy.deliveryLimit) {
      await kind.onGiveUp(deps, message, error);
      await finishJobRun(deps.pool, runId, 'failed', error);
      log.error({ err, permanent }, 'job failed; giving up');
      return 'reject';
    }
    await kind.onRetry(deps, message, error);
    await finishJobRun(deps.pool, runId, 'retrying', error);
    const delay = Math.min(policy.retryDelayMs * 2 ** (attempt - 1), 30_000);
    log.warn({ err, retryInMs: delay }, 'job failed; will retry');
    await sleep(delay, policy.signal);
    return 'requeue';
  }
}

/** A message from a dead-letter queue: make sure its subject shows `failed`, then drop it. */
export async function handleDeadLetter<M>(
  kind: JobKind<M>,
  deps: JobDeps,
  msg: ConsumeMessage | GetMessage,
): Promise<DeliveryVerdict> {
  const parsed = kind.message.safeParse(safeJson(msg.content.toString('utf8')));
  if (parsed.success) await kind.onDeadLettered(deps, parsed.data);
  return 'ack';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
