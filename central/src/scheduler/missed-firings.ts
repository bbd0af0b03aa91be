import type pg from 'pg';
import { firingsBetween } from '@zra/shared';
import type { ReportRule } from './report-rules.ts';

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
