import { hostname } from 'node:os';
import type pg from 'pg';

/** Identifies this worker process in job_runs (pod name under Kubernetes). */
export const WORKER_NAME = `${hostname()}:${process.pid}`;

/** Outcome of one attempt; `retrying` = failed, will be delivered again. */
export type JobOutcome = 'succeeded' | 'retrying' | 'failed';

/** Records the start of an attempt and returns its row id. */
export async function startJobRun(
  pool: pg.Pool,
  type: 'postprocess' | 'report',
  subject: string,
  attempt: number,
): Promise<string> {
  const r = await pool.query<{ id: string }>(
    'INSERT INTO job_runs (type, subject, attempt, worker) VALUES ($1, $2, $3, $4) RETURNING id',
    [type, subject, attempt, WORKER_NAME],
  );
  const row = r.rows[0];
  if (!row) throw new Error('INSERT … RETURNING gave no row');
  return row.id;
}

/** Records how an attempt ended. */
export async function finishJobRun(
  db: pg.Pool | pg.PoolClient,
  id: string,
  outcome: JobOutcome,
  error: string | null = null,
): Promise<void> {
  await db.query('UPDATE job_runs SET ended_at = now(), outcome = $2, error = $3 WHERE id = $1', [
    id,
    outcome,
    error,
  ]);
}
