import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { insertReportRequest } from '../reports/report-store.ts';
import { periodEndingAt } from './report-period.ts';
import type { ReportRule } from './report-rules.ts';

/**
 * Records one firing of a rule and queues its report, in one transaction, unless another
 * scheduler process already did: the firing's key is (rule, scheduled instant), so of the
 * processes that fire the same rule at the same instant exactly one inserts it (the others
 * wait on the key, then find it taken). Returns the report id, or null when the firing was
 * already taken.
 */
export async function fireReportRule(
  pool: pg.Pool,
  rule: ReportRule,
  scheduledAt: Date,
): Promise<string | null> {
  const period = periodEndingAt(scheduledAt, rule.period, rule.timezone);
  return withTransaction(pool, async (c) => {
    // Take the key first: a process that loses waits here and writes nothing at all.
    const reportId = randomUUID();
    const claimed = await c.query(
      `INSERT INTO report_firings (rule_id, scheduled_at, report_id)
       VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [rule.id, scheduledAt, reportId],
    );
    if (claimed.rowCount === 0) return null;
    return insertReportRequest(
      c,
      {
        park: rule.park,
        ride: rule.ride ?? undefined,
        from: period.from.toISOString(),
        to: period.to.toISOString(),
        language: rule.language,
      },
      reportId,
    );
  });
}
