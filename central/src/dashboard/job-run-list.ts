import type pg from 'pg';
import type { JobRunList, JobRunListInput, JobRunView } from './dashboard-schemas.ts';

interface JobRunRow {
  id: string;
  type: JobRunView['type'];
  subject: string;
  park: string | null;
  attempt: number;
  worker: string;
  started_at: Date;
  ended_at: Date | null;
  duration_s: number | null;
  outcome: Exclude<JobRunView['outcome'], 'running'> | null;
  error: string | null;
}

/** Job attempts newest first (by id), filtered by type, subject, park or outcome. */
export async function jobRunList(pool: pg.Pool, input: JobRunListInput): Promise<JobRunList> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (input.type) add((p) => `j.type = ${p}`, input.type);
  if (input.subject) add((p) => `j.subject = ${p}`, input.subject);
  if (input.park) add((p) => `coalesce(b.park_id, r.park_id) = ${p}`, input.park);
  if (input.outcome === 'running') where.push('j.ended_at IS NULL');
  else if (input.outcome) add((p) => `j.outcome = ${p}`, input.outcome);
  if (input.cursor) add((p) => `j.id < ${p}::bigint`, input.cursor);
  params.push(input.limit + 1);
  const r = await pool.query<JobRunRow>(
    `SELECT j.id, j.type, j.subject, coalesce(b.park_id, r.park_id) AS park, j.attempt,
            j.worker, j.started_at, j.ended_at,
            extract(epoch FROM j.ended_at - j.started_at)::float8 AS duration_s, j.outcome, j.error
       FROM job_runs j
       LEFT JOIN batches b ON j.type = 'postprocess' AND b.id = j.subject
       LEFT JOIN reports r ON j.type = 'report' AND r.id = j.subject
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
      park: j.park,
      attempt: j.attempt,
      worker: j.worker,
      startedAt: j.started_at.toISOString(),
      endedAt: j.ended_at?.toISOString() ?? null,
      durationS: j.duration_s,
      outcome: j.outcome ?? 'running',
      error: j.error,
    })),
    nextCursor: r.rows.length > input.limit && last ? String(last.id) : null,
  };
}
