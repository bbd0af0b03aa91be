import { hostname } from 'node:os';
import type { QueueName } from '../queue/queue-names.ts';
import type { Queryable, StoredError } from './job-kind.ts';

/** Identifies this worker process in job_runs (pod name under Kubernetes). */
export const WORKER_NAME = `${hostname()}:${process.pid}`;

/**
 * Outcome of one run: `retrying` = the job failed, another attempt follows; `failed` = the
 * job failed for good; `abandoned` = the run never got a verdict (its worker stopped), which
 * is not one of the job's attempts.
 */
export type JobOutcome = 'succeeded' | 'retrying' | 'failed' | 'abandoned';

/**
 * The error code of an `abandoned` run that its own worker closed because it was told to stop
 * (SIGTERM: a pod deleted, evicted or drained). Unlike a run lost with a dead worker, it says
 * nothing about the job, so it never counts towards giving up with `worker_died`.
 */
export const STOPPED_CODE = 'stopped';

/**
 * A run of the round that its worker never finished: open with a heartbeat older than `$3`
 * milliseconds (its worker is gone), or closed as abandoned (not stopped).
 */
const LOST = `((r.ended_at IS NULL AND r.heartbeat_at < now() - $3::float8 * interval '1 millisecond')
  OR (r.outcome = 'abandoned' AND r.error_code IS DISTINCT FROM '${STOPPED_CODE}'))`;

/** A started run. */
export interface StartedRun {
  id: string;
  /** The job's attempt: 1 + its own failures since the subject last succeeded or failed. */
  attempt: number;
}

/**
 * The runs of a subject's current round: those after its last run that ended `succeeded` or
 * `failed` (a retry by a person starts a new round with new attempts). `$1` type, `$2` subject.
 */
const ROUND = `job_runs r WHERE r.type = $1 AND r.subject = $2
  AND r.id > coalesce((SELECT max(e.id) FROM job_runs e WHERE e.type = $1 AND e.subject = $2
                          AND e.outcome IN ('succeeded', 'failed')), 0)`;

/**
 * Records the start of a run. Its attempt number counts only the job's own failures (runs
 * ended `retrying`) in the round: a run cut short by a dead worker or an outage is not one.
 */
export async function startJobRun(
  db: Queryable,
  type: QueueName,
  subject: string,
): Promise<StartedRun> {
  const r = await db.query<{ id: string; attempt: number }>(
    `INSERT INTO job_runs (type, subject, attempt, worker)
     SELECT $1, $2, 1 + count(*) FILTER (WHERE r.outcome = 'retrying'), $3 FROM ${ROUND}
     RETURNING id, attempt`,
    [type, subject, WORKER_NAME],
  );
  const row = r.rows[0];
  if (!row) throw new Error('INSERT … RETURNING gave no row');
  return row;
}

/** Records how a run ended. */
export async function finishJobRun(
  db: Queryable,
  id: string,
  outcome: JobOutcome,
  error: StoredError | null = null,
): Promise<void> {
  await db.query(
    `UPDATE job_runs SET ended_at = now(), outcome = $2, error = $3, error_code = $4 WHERE id = $1`,
    [id, outcome, error?.text ?? null, error?.code ?? null],
  );
}

/** What the round of a subject holds, for decisions about giving up. */
export interface RoundCounts {
  /** Runs that ended with the job's own failure. */
  failures: number;
  /** Runs whose worker died without a verdict (closed as abandoned; stopped runs excluded). */
  abandoned: number;
  /** The error of the latest failure, if any. */
  lastError: { code: string | null; text: string | null } | null;
}

/** Counts the runs of the subject's round. */
export async function roundCounts(
  db: Queryable,
  type: QueueName,
  subject: string,
): Promise<RoundCounts> {
  const r = await db.query<{
    failures: number;
    abandoned: number;
    code: string | null;
    text: string | null;
  }>(
    `SELECT count(*) FILTER (WHERE r.outcome = 'retrying')::int AS failures,
            count(*) FILTER (WHERE r.outcome = 'abandoned'
                               AND r.error_code IS DISTINCT FROM '${STOPPED_CODE}')::int AS abandoned,
            (array_agg(r.error_code ORDER BY r.id DESC) FILTER (WHERE r.outcome = 'retrying'))[1] AS code,
            (array_agg(r.error ORDER BY r.id DESC) FILTER (WHERE r.outcome = 'retrying'))[1] AS text
       FROM ${ROUND}`,
    [type, subject],
  );
  const row = r.rows[0];
  return {
    failures: row?.failures ?? 0,
    abandoned: row?.abandoned ?? 0,
    lastError: row && (row.code || row.text) ? { code: row.code, text: row.text } : null,
  };
}

/**
 * How many runs of the subject's round were lost with their worker: still open but with no
 * heartbeat for `staleMs` (the worker died; one that only lost its broker link keeps beating),
 * or closed as abandoned. Runs stopped on purpose do not count. The worker reads this at every
 * delivery, so a job that kills its worker is given up after DELIVERY_LIMIT such runs whatever
 * the broker counts: from RabbitMQ 4.3 a delivery returned by a closed channel no longer
 * raises the delivery count.
 */
export async function lostRuns(
  db: Queryable,
  type: QueueName,
  subject: string,
  staleMs: number,
): Promise<number> {
  const r = await db.query<{ lost: number }>(
    `SELECT count(*) FILTER (WHERE ${LOST})::int AS lost FROM ${ROUND}`,
    [type, subject, staleMs],
  );
  return r.rows[0]?.lost ?? 0;
}

/** Says the run is still being worked on (its worker is alive). */
export async function touchJobRun(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE job_runs SET heartbeat_at = now() WHERE id = $1 AND ended_at IS NULL', [
    id,
  ]);
}

/** Which open runs {@link abandonOpenRuns} closes. */
export interface AbandonScope {
  /** Only runs started before this run (a later run of the subject finished). */
  before?: string;
  /** Only runs started at least this long ago (no live job runs that long). */
  olderThanMs?: number;
}

/**
 * Closes the subject's runs that never recorded an end (within `scope`) as `abandoned` with
 * `why`: their worker was killed, evicted or crashed. A run that was in fact still alive (a
 * duplicate message on another worker) overwrites this with its own outcome when it ends.
 * Returns how many were closed.
 */
export async function abandonOpenRuns(
  db: Queryable,
  type: QueueName,
  subject: string,
  why: string,
  scope: AbandonScope = {},
): Promise<number> {
  const r = await db.query(
    `UPDATE job_runs SET ended_at = now(), outcome = 'abandoned', error_code = 'abandoned',
            error = $3 || ' (run started ' || to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC on ' || worker || ')'
      WHERE type = $1 AND subject = $2 AND ended_at IS NULL
        AND ($4::bigint IS NULL OR id < $4::bigint)
        AND ($5::float8 IS NULL OR started_at < now() - $5::float8 * interval '1 millisecond')`,
    [type, subject, why, scope.before ?? null, scope.olderThanMs ?? null],
  );
  return r.rowCount ?? 0;
}
