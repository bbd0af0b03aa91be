import { TRPCError } from '@trpc/server';
import type pg from 'pg';
import type { BatchRow } from '../parks/park-reads.ts';
import type { DropDetail } from './dashboard-schemas.ts';
import { DROP_COLUMNS, dashboardDrop } from './drop-list.ts';
import { jobRunList } from './job-run-list.ts';

/**
 * One drop: its state and error, what replaced it (or what it replaced), every job attempt,
 * how many result rows post-processing wrote, and its data-quality findings.
 */
export async function dropDetail(pool: pg.Pool, batchId: string): Promise<DropDetail> {
  const r = await pool.query<BatchRow & { park_id: string; bytes: string; replaces: string[] }>(
    `SELECT ${DROP_COLUMNS}, b.bytes,
            coalesce((SELECT array_agg(o.id ORDER BY o.received_at) FROM batches o
                       WHERE o.superseded_by = b.id), '{}') AS replaces
       FROM batches b WHERE b.id = $1`,
    [batchId],
  );
  const row = r.rows[0];
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `there is no batch ${batchId}` });
  const [counts, quality, runs] = await Promise.all([
    pool.query<{ cycles: number; alarms: number; breaches: number; hours: number }>(
      `SELECT (SELECT count(*)::int FROM cycles WHERE batch_id = $1) AS cycles,
              (SELECT count(*)::int FROM alarms WHERE batch_id = $1) AS alarms,
              (SELECT count(*)::int FROM breaches WHERE batch_id = $1) AS breaches,
              (SELECT count(*)::int FROM hourly_aggregates WHERE batch_id = $1) AS hours`,
      [batchId],
    ),
    pool.query<{ kind: string; channel: string | null; at: Date; detail: string }>(
      `SELECT kind, channel, at, detail FROM quality_findings
        WHERE batch_id = $1 ORDER BY ordinal LIMIT 200`,
      [batchId],
    ),
    jobRunList(pool, { subject: batchId, limit: 100 }),
  ]);
  const c = counts.rows[0] ?? { cycles: 0, alarms: 0, breaches: 0, hours: 0 };
  return {
    drop: { ...dashboardDrop(row), bytes: Number(row.bytes) },
    supersededBy: row.superseded_by,
    replaces: row.replaces,
    results: { cycles: c.cycles, alarms: c.alarms, breaches: c.breaches, hours: c.hours },
    quality: quality.rows.map((q) => ({
      kind: q.kind,
      channel: q.channel,
      at: q.at.toISOString(),
      detail: q.detail,
    })),
    jobRuns: runs.runs,
  };
}
