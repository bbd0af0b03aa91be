import type pg from 'pg';
import { nextFiring } from '@zra/shared';
import { listReportRules } from '../scheduler/report-rules.ts';
import type { ReportRuleList } from './dashboard-schemas.ts';

/**
 * Every report rule with its next firing: the scheduler's own `nextFiring` (the cron read in
 * the park's zone, DST by R6), so the dashboard shows the instant the rule will really fire.
 * A paused rule, or one of a disabled park, has none.
 */
export async function reportRuleList(pool: pg.Pool, nowMs = Date.now()): Promise<ReportRuleList> {
  const rules = await listReportRules(pool);
  return {
    rules: rules.map((r) => ({
      ...r,
      nextFiringAt:
        r.enabled && !r.parkDisabled
          ? (nextFiring(r.cron, r.timezone, new Date(nowMs))?.toISOString() ?? null)
          : null,
    })),
  };
}
