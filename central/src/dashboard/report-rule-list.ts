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
  // A fleet's rules share a few schedules and zones (a thousand parks' daily 06:00 report is
  // one cron in ~16 zones): each pair is worked out once per call, not once per rule, which
  // was most of this call's time at a thousand rules.
  const firings = new Map<string, string | null>();
  const firingOf = (cron: string, timezone: string): string | null => {
    const key = `${timezone} ${cron}`;
    let at = firings.get(key);
    if (at === undefined) {
      at = nextFiring(cron, timezone, new Date(nowMs))?.toISOString() ?? null;
      firings.set(key, at);
    }
    return at;
  };
  return {
    rules: rules.map((r) => ({
      ...r,
      nextFiringAt: r.enabled && !r.parkDisabled ? firingOf(r.cron, r.timezone) : null,
    })),
  };
}
