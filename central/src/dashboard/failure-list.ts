import type pg from 'pg';
import type { FailureList, FailureListInput } from './dashboard-schemas.ts';
import { DROP_COLUMNS, dashboardDrop, type DropRow } from './drop-list.ts';
import { fixerOf } from './who-fixes.ts';
import { REPORT_COLUMNS, reportView, type ReportRow } from './report-list.ts';

/**
 * What needs a person: failed batches not replaced by a revision (with their attempts), the
 * latest quarantined drops, and failed reports; newest first, optionally for one park.
 */
export async function failureList(pool: pg.Pool, input: FailureListInput): Promise<FailureList> {
  const park = input.park ?? null;
  const [failed, quarantined, reports] = await Promise.all([
    pool.query<DropRow & { attempts: number }>(
      `SELECT ${DROP_COLUMNS},
              (SELECT count(*)::int FROM job_runs j WHERE j.subject = b.id
                  AND j.outcome IN ('retrying', 'failed')) AS attempts
         FROM batches b
        WHERE b.state = 'failed' AND b.superseded_by IS NULL
          AND ($1::text IS NULL OR b.park_id = $1)
        ORDER BY b.updated_at DESC LIMIT $2`,
      [park, input.limit],
    ),
    pool.query<DropRow>(
      `SELECT ${DROP_COLUMNS} FROM batches b
        WHERE b.state = 'quarantined' AND ($1::text IS NULL OR b.park_id = $1)
        ORDER BY b.received_at DESC, b.id DESC LIMIT $2`,
      [park, input.limit],
    ),
    pool.query<ReportRow>(
      `SELECT ${REPORT_COLUMNS} FROM reports
        WHERE state = 'failed' AND ($1::text IS NULL OR park_id = $1)
        ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT $2`,
      [park, input.limit],
    ),
  ]);
  return {
    failed: failed.rows.map((r) => ({
      ...dashboardDrop(r),
      attempts: r.attempts,
      fixer: fixerOf('failed', r.error_code),
    })),
    quarantined: quarantined.rows.map(dashboardDrop),
    reports: reports.rows.map(reportView),
  };
}
