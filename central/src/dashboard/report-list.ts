import { DomainError } from '../domain-error.ts';
import type pg from 'pg';
import { reportFileUrl } from '../server/report-files.ts';
import type { ReportList, ReportListInput, ReportView } from './dashboard-schemas.ts';

export interface ReportRow {
  id: string;
  park_id: string;
  timezone: string;
  ride_id: string | null;
  period_start: Date;
  period_end: Date;
  language: 'en' | 'it';
  state: ReportView['state'];
  error: string | null;
  requested_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export const REPORT_COLUMNS = `id, park_id, ride_id, period_start, period_end, language, state,
  error, requested_at, started_at, finished_at,
  (SELECT p.timezone FROM parks p WHERE p.id = reports.park_id) AS timezone`;

/** A report for the dashboard: download links instead of server paths. */
export function reportView(r: ReportRow): ReportView {
  return {
    id: r.id,
    park: r.park_id,
    timezone: r.timezone,
    ride: r.ride_id,
    period: { start: r.period_start.toISOString(), end: r.period_end.toISOString() },
    language: r.language,
    state: r.state,
    error: r.error,
    requestedAt: r.requested_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    files:
      r.state === 'ready'
        ? {
            pdf: reportFileUrl(r.id, 'pdf'),
            html: reportFileUrl(r.id, 'html'),
            summary: reportFileUrl(r.id, 'summary'),
          }
        : null,
  };
}

/** Reports newest requested first, keyset-paginated on (requested_at, id). */
export async function reportList(pool: pg.Pool, input: ReportListInput): Promise<ReportList> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (input.park) add((p) => `park_id = ${p}`, input.park);
  if (input.ride) add((p) => `ride_id = ${p}`, input.ride);
  if (input.state) add((p) => `state = ${p}`, input.state);
  if (input.cursor) {
    const found = await pool.query('SELECT 1 FROM reports WHERE id = $1', [input.cursor]);
    if (found.rowCount === 0) {
      throw new DomainError(
        'invalid_input',
        'cursor is not a report: pass the nextCursor of the previous page, or omit it',
      );
    }
    add(
      (p) => `(requested_at, id) < ((SELECT requested_at FROM reports WHERE id = ${p}), ${p})`,
      input.cursor,
    );
  }
  params.push(input.limit + 1);
  const r = await pool.query<ReportRow>(
    `SELECT ${REPORT_COLUMNS} FROM reports
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY requested_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const rows = r.rows.slice(0, input.limit);
  const last = rows.at(-1);
  return {
    reports: rows.map(reportView),
    nextCursor: r.rows.length > input.limit && last ? last.id : null,
  };
}
