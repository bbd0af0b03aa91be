import type pg from 'pg';
import type { JobRunList, JobRunListInput, JobRunView } from './dashboard-schemas.ts';

interface JobRunRow {
  id: string;
  type: JobRunView['type'];
  subject: string;
  subject_name: string | null;
  park: string | null;
  timezone: string | null;
  attempt: number;
  number: number;
  worker: string;
  started_at: Date;
  ended_at: Date | null;
  duration_s: number | null;
  outcome: Exclude<JobRunView['outcome'], 'running'> | null;
  error: string | null;
  error_code: string | null;
}

/**
 * Job runs newest first (by id), filtered by type, subject, park (the run's own `park_id`, set
 * from its subject when the row is written) or outcome. `number` counts
 * every run of the subject, requeues included, so a drop's page reads 1, 2, 3 … while
 * `attempt` restarts at 1 with each requeue (the worker's count of the job's own failures).
 */
export async function jobRunList(pool: pg.Pool, input: JobRunListInput): Promise<JobRunList> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (input.type) add((p) => `j.type = ${p}`, input.type);
  if (input.subject) add((p) => `j.subject = ${p}`, input.subject);
  if (input.park) add((p) => `j.park_id = ${p}`, input.park);
  if (input.outcome === 'running') where.push('j.ended_at IS NULL');
  else if (input.outcome) add((p) => `j.outcome = ${p}`, input.outcome);
  if (input.cursor) add((p) => `j.id < ${p}::bigint`, input.cursor);
  params.push(input.limit + 1);
  const r = await pool.query<JobRunRow>(
    `SELECT j.id, j.type, j.subject, j.park_id AS park, j.attempt,
            (SELECT count(*)::int FROM job_runs n
              WHERE n.type = j.type AND n.subject = j.subject AND n.id <= j.id) AS number,
            coalesce(b.file_name, r.park_id || coalesce(' / ' || r.ride_id, ''),
                     d.park_id || ' / ' || d.ride_id) AS subject_name,
            (SELECT p.timezone FROM parks p WHERE p.id = j.park_id) AS timezone,
            j.worker, j.started_at, j.ended_at,
            extract(epoch FROM j.ended_at - j.started_at)::float8 AS duration_s, j.outcome, j.error,
            j.error_code
       FROM job_runs j
       -- One index probe per run, never a join over the whole table: LIMIT keeps the planner
       -- from turning these into hash joins, which it picks when a filter (outcome) leaves
       -- many runs and a subject table is small, and which scan the table in full.
       LEFT JOIN LATERAL (SELECT file_name FROM batches
                           WHERE j.type = 'postprocess' AND id = j.subject LIMIT 1) b ON true
       LEFT JOIN LATERAL (SELECT park_id, ride_id FROM reports
                           WHERE j.type = 'report' AND id = j.subject LIMIT 1) r ON true
       LEFT JOIN LATERAL (SELECT park_id, ride_id FROM download_requests
                           WHERE j.type = 'download' AND id = j.subject LIMIT 1) d ON true
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY j.id DESC LIMIT $${params.length}`,
    params,
  );
  const rows = r.rows.slice(0, input.limit);
  const last = rows.at(-1);
  return {
    runs: rows.map((j) => ({
      id: String(j.id),
      type: j.type,
      subject: j.subject,
      subjectName: j.subject_name,
      park: j.park,
      timezone: j.timezone,
      attempt: j.attempt,
      number: j.number,
      worker: j.worker,
      startedAt: j.started_at.toISOString(),
      endedAt: j.ended_at?.toISOString() ?? null,
      durationS: j.duration_s,
      outcome: j.outcome ?? 'running',
      error: j.error,
      errorCode: j.error_code,
    })),
    nextCursor: r.rows.length > input.limit && last ? String(last.id) : null,
  };
}
