import type { ConsumeMessage, GetMessage } from 'amqplib';
import type { Logger } from 'pino';
import { withTransaction } from '../db/pool.ts';
import type { StallCounter } from '../infra/stall-counter.ts';
import { StoppedWaitingError, untilAvailable } from '../infra/until-available.ts';
import { sleep } from '../queue/sleep.ts';
import { describeJobFailure, failureText, type JobFailure } from './job-failure.ts';
import type { JobDeps, JobKind, Queryable, StoredError } from './job-kind.ts';
import {
  abandonOpenRuns,
  finishJobRun,
  lostRuns,
  roundCounts,
  startJobRun,
  STOPPED_CODE,
  touchJobRun,
} from './job-runs.ts';
import { JobStoppedError } from './run-job-binary.ts';

/**
 * What to tell the broker about a delivery:
 * - `ack`: done (or nothing to do);
 * - `retry`: the job failed and runs again: basic.reject with requeue, which every RabbitMQ
 *   counts as a failed delivery (from 4.3 the only requeue that does);
 * - `requeue`: handed back for reasons that are not the job's (its worker is stopping):
 *   basic.nack with requeue, which RabbitMQ 4.3 does not count;
 * - `reject`: given up: dead-lettered to the queue's `.dlq`.
 * The worker's own count in job_runs decides when to give up, so the limit holds whichever
 * way a broker counts.
 */
export type DeliveryVerdict = 'ack' | 'retry' | 'requeue' | 'reject';

/** How many times the queue has handed this message out before (quorum queues count it). */
export function previousDeliveries(msg: ConsumeMessage | GetMessage): number {
  const count: unknown = msg.properties.headers?.['x-delivery-count'];
  return typeof count === 'number' ? count : 0;
}

/** Settings of the retry policy. */
export interface DeliveryPolicy {
  /** Attempts of the job itself before giving up (also the queue's x-delivery-limit). */
  deliveryLimit: number;
  /** Wait before requeueing after attempt n: base × 2^(n-1), at most 30 s; quorum queues redeliver at once. */
  retryDelayMs: number;
  signal?: AbortSignal;
  /** Counts the dependency timeouts seen while waiting. */
  stalls?: StallCounter;
}

/** How often a worker says it is still on a run (RUN_HEARTBEAT_S), by default. */
export const RUN_HEARTBEAT_MS = 20_000;

/** What a worker waiting out an outage keeps: the message, and the job's attempt count. */
const MEANWHILE = 'the message stays with this worker and no attempt is counted';

/**
 * Runs one delivery of a job: records a job_runs row, runs the kind, and decides ack /
 * requeue / reject.
 *
 * Only the job's own failures are attempts: the attempt number comes from job_runs (the runs
 * of the subject that ended `retrying`), not from the broker's delivery count. An outage of
 * PostgreSQL or the blob store — before, during or after the job — is waited out here, with
 * back-off, holding the message un-acked on an open broker link: nothing is redelivered, so
 * the broker's delivery count does not move, and the job is run again (it is idempotent)
 * when the dependency answers. A failure of the job itself is retried after a back-off, up to
 * `deliveryLimit` attempts; a permanent one (its code says another attempt cannot help) fails
 * at once.
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
  const log = deps.log.child({
    job: kind.queue,
    subject,
    delivery: previousDeliveries(msg) + 1,
  });
  const wait = waiter(log, policy);
  let beat: NodeJS.Timeout | undefined;
  try {
    const state = await wait('read the state of the job', () => kind.state(deps.pool, message));
    if (state === 'failed') {
      log.info(
        'the job was given up before and not retried since; this copy of its message is dropped',
      );
      return 'ack';
    }
    // Runs lost with their worker (killed, out of memory) are counted here, at each delivery,
    // not left to the broker's delivery count, which RabbitMQ 4.3 no longer raises when a dead
    // worker's channel closes: a job that kills every worker it runs on is given up.
    // A run whose worker missed three heartbeats lost its worker.
    const heartbeatMs = deps.config.runHeartbeatMs ?? RUN_HEARTBEAT_MS;
    const lost = await wait('count the runs lost with their worker', () =>
      lostRuns(deps.pool, kind.queue, subject, 3 * heartbeatMs),
    );
    if (lost >= policy.deliveryLimit) {
      await wait('give up a job that stopped its worker every time', () =>
        withTransaction(deps.pool, (c) => giveUpWorkerDied(c, kind, message, subject, lost)),
      );
      log.error({ lost }, 'the job killed its worker every time; gave up');
      return 'reject';
    }
    const run = await wait('record the start of the job', () =>
      startJobRun(deps.pool, kind.queue, subject),
    );
    const runLog = log.child({ attempt: run.attempt, run: run.id });
    const started = Date.now();
    // While the job runs, its run row says the worker is alive (a failed beat during an
    // outage is only late: the next one catches up).
    beat = setInterval(() => {
      touchJobRun(deps.pool, run.id).catch((err: unknown) =>
        runLog.debug({ err }, 'run heartbeat not recorded'),
      );
    }, heartbeatMs);
    beat.unref();
    let failure: JobFailure | null = null;
    try {
      await wait('run the job', () => kind.run({ ...deps, log: runLog }, message));
    } catch (err) {
      if (err instanceof StoppedWaitingError) throw err;
      if (err instanceof JobStoppedError) {
        // Its worker is stopping (SIGTERM): the run is closed as stopped, not as an attempt,
        // and the message goes back to the queue for another worker.
        await wait('record that the job was stopped', () =>
          finishJobRun(deps.pool, run.id, 'abandoned', {
            code: STOPPED_CODE,
            text: 'stopped: its worker was told to stop (its pod was deleted, evicted, drained or reached its end); the job runs again on another worker and this run is not counted as an attempt',
          }),
        );
        runLog.warn('job stopped with its worker; the message goes back to the queue');
        return 'requeue';
      }
      failure = describeJobFailure(kind.queue, err, deps.config);
      // The raw error (paths, driver text, stack) is for the log only.
      runLog.warn({ err, code: failure.code, permanent: failure.permanent }, 'job failed');
    }
    if (!failure) {
      await wait("record the job's success", () =>
        withTransaction(deps.pool, async (c) => {
          await finishJobRun(c, run.id, 'succeeded');
          await abandonOpenRuns(
            c,
            kind.queue,
            subject,
            'abandoned: this run never recorded an end (its worker was stopped, killed or lost its link); a later run finished the job',
            { before: run.id },
          );
        }),
      );
      runLog.info({ ms: Date.now() - started }, 'job succeeded');
      return 'ack';
    }
    const giveUp = failure.permanent || run.attempt >= policy.deliveryLimit;
    const error: StoredError = {
      code: failure.code,
      text: failureText(failure, {
        attempt: run.attempt,
        limit: policy.deliveryLimit,
        giveUp,
      }),
    };
    await wait('record the failed attempt', () =>
      withTransaction(deps.pool, async (c) => {
        if (giveUp) await kind.onGiveUp(c, message, error);
        else await kind.onRetry(c, message, error);
        await finishJobRun(c, run.id, giveUp ? 'failed' : 'retrying', error);
      }),
    );
    if (giveUp) {
      runLog.error({ code: error.code, error: error.text }, 'job failed; giving up');
      return 'reject';
    }
    const delay = Math.min(policy.retryDelayMs * 2 ** (run.attempt - 1), 30_000);
    runLog.warn({ code: error.code, retryInMs: delay }, 'job failed; will retry');
    await sleep(delay, policy.signal);
    return 'retry';
  } catch (err) {
    // Stopping (SIGTERM) while a dependency is away: hand the message back untouched.
    if (err instanceof StoppedWaitingError) {
      log.warn('stopped while waiting for a dependency; the message goes back to the queue');
      return 'requeue';
    }
    throw err;
  } finally {
    clearInterval(beat);
  }
}

/**
 * A message from a dead-letter queue. The worker dead-letters what it gave up on (its subject
 * is already `failed`: nothing to do). The broker dead-letters by itself a message it
 * delivered `x-delivery-limit` times without an answer: deliveries lost with a broker link,
 * or with a worker that died. Lost links are the broker's outage, not the job's: the subject
 * is queued again (a fresh message, a fresh delivery count). Only when the worker died during
 * `deliveryLimit` runs of the job (a job that kills its worker, e.g. out of memory) does the
 * subject end `failed`, with that said.
 */
export async function handleDeadLetter<M>(
  kind: JobKind<M>,
  deps: JobDeps,
  msg: ConsumeMessage | GetMessage,
  policy: DeliveryPolicy,
): Promise<DeliveryVerdict> {
  const parsed = kind.message.safeParse(safeJson(msg.content.toString('utf8')));
  if (!parsed.success) return 'ack';
  const message = parsed.data;
  const subject = kind.subject(message);
  const log = deps.log.child({ job: kind.queue, subject, deadLettered: deathCount(msg) });
  try {
    await waiter(log, policy)('check a dead-lettered message', () =>
      withTransaction(deps.pool, async (c) => {
        if ((await kind.state(c, message)) !== 'pending') return;
        // A run open for less than STUCK_JOB_MIN may still be alive (its link to the broker
        // was lost, not its worker): only older ones count as dead.
        await abandonOpenRuns(
          c,
          kind.queue,
          subject,
          'abandoned: this run never recorded an end, and the broker gave up delivering its message (its worker was stopped, killed or lost its link)',
          { olderThanMs: deps.config.stuckJobMs },
        );
        const counts = await roundCounts(c, kind.queue, subject);
        if (counts.abandoned >= policy.deliveryLimit) {
          await giveUpWorkerDied(c, kind, message, subject, counts.abandoned);
          log.error(
            { abandoned: counts.abandoned },
            'the job killed its worker every time; gave up',
          );
          return;
        }
        await kind.requeue(c, message);
        log.warn(
          { failures: counts.failures, abandoned: counts.abandoned },
          'the broker gave up on a message whose deliveries were lost (broker link or worker outages); queued again, no attempt counted',
        );
      }),
    );
  } catch (err) {
    if (err instanceof StoppedWaitingError) return 'requeue';
    throw err;
  }
  return 'ack';
}

/**
 * Gives the subject up with `worker_died`: its worker died during `lost` runs in a row (a job
 * that kills its worker, e.g. out of memory). Runs still open are closed as abandoned and the
 * latest run carries the verdict.
 */
async function giveUpWorkerDied<M>(
  c: Queryable,
  kind: JobKind<M>,
  message: M,
  subject: string,
  lost: number,
): Promise<void> {
  await abandonOpenRuns(
    c,
    kind.queue,
    subject,
    'abandoned: this run never recorded an end (its worker was killed, evicted or ran out of memory)',
  );
  const error: StoredError = {
    code: 'worker_died',
    text: `the worker stopped (killed, evicted or out of memory) during each of the last ${lost} runs of this job; not retried. What to do: check the worker pods and their logs of that time, then retry it from the dashboard.`,
  };
  await kind.onGiveUp(c, message, error);
  await c.query(
    `UPDATE job_runs SET outcome = 'failed', error = $3, error_code = $4
      WHERE id = (SELECT max(id) FROM job_runs WHERE type = $1 AND subject = $2)`,
    [kind.queue, subject, error.text, error.code],
  );
}

function waiter(log: Logger, policy: DeliveryPolicy) {
  return <T>(what: string, fn: () => Promise<T>) =>
    untilAvailable(what, fn, {
      log,
      signal: policy.signal,
      stalls: policy.stalls,
      meanwhile: MEANWHILE,
    });
}

/** How often the broker dead-lettered this message (x-death), for the log. */
function deathCount(msg: ConsumeMessage | GetMessage): number {
  const deaths: unknown = msg.properties.headers?.['x-death'];
  if (!Array.isArray(deaths)) return 0;
  return deaths.reduce((n: number, d: unknown) => {
    const count = (d as { count?: unknown })?.count;
    return n + (typeof count === 'number' ? count : 0);
  }, 0);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
