import { DomainError } from '../domain-error.ts';
import type pg from 'pg';
import type { DropDetail } from './dashboard-schemas.ts';
import { DROP_COLUMNS, dashboardDrop, type DropRow } from './drop-list.ts';
import { jobRunList } from './job-run-list.ts';
import { fixerOf } from './who-fixes.ts';

/**
 * One drop: its state and error (with who can fix it), what replaced it (or what it
 * replaced), every job run, and — once processed — how many result rows post-processing
 * wrote and its data-quality findings. Before that there are no results to count: a failed
 * drop's page must not read "0 cycles" or "nothing odd found".
 */
export async function dropDetail(pool: pg.Pool, batchId: string): Promise<DropDetail> {
  const r = await pool.query<
    DropRow & { bytes: string; replaces: string[]; park_name: string; ride_name: string | null }
  >(
    `SELECT ${DROP_COLUMNS}, b.bytes,
            (SELECT p.name FROM parks p WHERE p.id = b.park_id) AS park_name,
            (SELECT rd.name FROM rides rd WHERE rd.park_id = b.park_id AND rd.id = b.ride_id)
              AS ride_name,
            coalesce((SELECT array_agg(o.id ORDER BY o.received_at) FROM batches o
                       WHERE o.superseded_by = b.id), '{}') AS replaces
       FROM batches b WHERE b.id = $1`,
    [batchId],
  );
  const row = r.rows[0];
  if (!row) throw new DomainError('not_found', `there is no batch ${batchId}`);
  const processed = row.state === 'processed';
  const [counts, quality, runs] = await Promise.all([
    processed
      ? pool.query<{ cycles: number; alarms: number; breaches: number; hours: number }>(
          `SELECT (SELECT count(*)::int FROM cycles WHERE batch_id = $1) AS cycles,
                  (SELECT count(*)::int FROM alarms WHERE batch_id = $1) AS alarms,
                  (SELECT count(*)::int FROM breaches WHERE batch_id = $1) AS breaches,
                  (SELECT count(*)::int FROM hourly_aggregates WHERE batch_id = $1) AS hours`,
          [batchId],
        )
      : null,
    processed
      ? pool.query<{ kind: string; channel: string | null; at: Date; detail: string }>(
          `SELECT kind, channel, at, detail FROM quality_findings
            WHERE batch_id = $1 ORDER BY ordinal LIMIT 200`,
          [batchId],
        )
      : null,
    jobRunList(pool, { subject: batchId, limit: 100 }),
  ]);
  const c = counts?.rows[0];
  const failed = row.state === 'failed' || row.state === 'quarantined';
  return {
    drop: { ...dashboardDrop(row), bytes: Number(row.bytes) },
    parkName: row.park_name,
    rideName: row.ride_name,
    supersededBy: row.superseded_by,
    replaces: row.replaces,
    failure: failed
      ? {
          code: row.error_code,
          reason:
            row.error ??
            (row.state === 'failed'
              ? 'post-processing failed without a recorded reason'
              : 'the drop was refused at upload without a recorded reason'),
          fixer: fixerOf(row.state === 'failed' ? 'failed' : 'quarantined', row.error_code),
        }
      : null,
    results: c
      ? { cycles: c.cycles, alarms: c.alarms, breaches: c.breaches, hours: c.hours }
      : null,
    quality: quality
      ? quality.rows.map((q) => ({
          kind: q.kind,
          channel: q.channel,
          at: q.at.toISOString(),
          detail: q.detail,
        }))
      : null,
    jobRuns: runs.runs,
  };
}
