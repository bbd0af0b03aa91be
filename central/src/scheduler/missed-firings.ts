import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type pg from 'pg';
import type { ReportRule } from './report-rules.ts';

interface TimeMatcher {
  /** The first matching instant strictly after `date` (whole seconds). */
  getNextMatch(date: Date): Date;
}

// node-cron's own matcher, so that made-up firings are exactly the instants its live tasks
// fire at (another cron library could read an expression differently). It is not in the
// package's exports map, hence the path; node-cron is pinned to an exact version.
const require = createRequire(import.meta.url);
const { TimeMatcher } = require(
  join(dirname(require.resolve('node-cron')), 'time', 'time-matcher.js'),
) as { TimeMatcher: new (cron: string, timezone?: string) => TimeMatcher };

/** How many made-up firings one rule gets per pass at most (a per-second rule after a day off). */
export const MAX_CATCH_UP_PER_RULE = 100;

/** The instants in `(after, until]` at which `cron` fires in `timezone`, at most `max`. */
export function firingsBetween(
  cron: string,
  timezone: string,
  after: Date,
  until: Date,
  max = MAX_CATCH_UP_PER_RULE,
): Date[] {
  const matcher = new TimeMatcher(cron, timezone);
  const out: Date[] = [];
  for (let t = matcher.getNextMatch(after); t <= until; t = matcher.getNextMatch(t)) {
    out.push(t);
    // Keep the latest ones: the oldest of a long outage matter least.
    if (out.length > max) out.shift();
  }
  return out;
}

/**
 * The firings each enabled rule missed: scheduled after its last recorded firing (or after it
 * was created or switched on, whichever is later), no older than `lookbackMs`, up to `now`.
 * Firing them goes through the same key as live firings, so each is queued once however many
 * processes make it up, and a live firing of the same instant is not doubled.
 */
export async function missedFirings(
  pool: pg.Pool,
  rules: ReportRule[],
  now: Date,
  lookbackMs: number,
): Promise<{ rule: ReportRule; at: Date }[]> {
  if (rules.length === 0 || lookbackMs <= 0) return [];
  const last = await pool.query<{ rule_id: string; at: Date }>(
    `SELECT rule_id, max(scheduled_at) AS at FROM report_firings
      WHERE rule_id = ANY($1::bigint[]) GROUP BY rule_id`,
    [rules.map((r) => r.id)],
  );
  const lastByRule = new Map(last.rows.map((r) => [String(r.rule_id), r.at.getTime()]));
  const missed: { rule: ReportRule; at: Date }[] = [];
  for (const rule of rules) {
    const after = Math.max(
      lastByRule.get(rule.id) ?? 0,
      Date.parse(rule.createdAt),
      Date.parse(rule.enabledChangedAt),
      now.getTime() - lookbackMs,
    );
    for (const at of firingsBetween(rule.cron, rule.timezone, new Date(after), now)) {
      missed.push({ rule, at });
    }
  }
  return missed;
}
