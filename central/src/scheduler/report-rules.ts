import { slugSchema } from '@zra/shared';
import cron from 'node-cron';
import type pg from 'pg';
import { z } from 'zod';
import { ReportRequestError } from '../reports/report-store.ts';

export const addReportRuleInputSchema = z.strictObject({
  park: slugSchema,
  ride: slugSchema.optional(),
  /** node-cron syntax, 5 fields (or 6 with seconds), evaluated in the park's time zone. */
  cron: z
    .string()
    .trim()
    .refine((c) => cron.validate(c), {
      message: 'not a valid cron expression (e.g. "0 6 * * *" = every day at 06:00 park time)',
    }),
  period: z.enum(['day', 'week', 'month']),
  /** Defaults to the park's language. */
  language: z.enum(['en', 'it']).optional(),
  enabled: z.boolean().default(true),
});

/** What `report rule add` takes. */
export type AddReportRuleInput = z.input<typeof addReportRuleInputSchema>;

/** A report rule as stored, with its park's time zone (where the cron is evaluated). */
export interface ReportRule {
  id: string;
  park: string;
  ride: string | null;
  cron: string;
  period: 'day' | 'week' | 'month';
  language: 'en' | 'it';
  enabled: boolean;
  timezone: string;
  createdAt: string;
  /** When the rule was last switched on or off (missed firings are made up from then on). */
  enabledChangedAt: string;
  /** Its park is disabled: the rule does not fire (and is not made up later). */
  parkDisabled: boolean;
}

/** Adds a rule; its park (and ride) must exist. Returns the rule. */
export async function addReportRule(pool: pg.Pool, input: AddReportRuleInput): Promise<ReportRule> {
  const rule = addReportRuleInputSchema.parse(input);
  const park = await pool.query<{ language: 'en' | 'it' }>(
    'SELECT language FROM parks WHERE id = $1',
    [rule.park],
  );
  const parkRow = park.rows[0];
  if (!parkRow) throw new ReportRequestError(`there is no park "${rule.park}"`);
  if (rule.ride) {
    const ride = await pool.query('SELECT 1 FROM rides WHERE park_id = $1 AND id = $2', [
      rule.park,
      rule.ride,
    ]);
    if (ride.rowCount === 0) {
      throw new ReportRequestError(
        `park "${rule.park}" has no ride "${rule.ride}" (rides appear with their first drop)`,
      );
    }
  }
  const r = await pool.query<{ id: string }>(
    `INSERT INTO report_rules (park_id, ride_id, cron, period, language, enabled)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      rule.park,
      rule.ride ?? null,
      rule.cron,
      rule.period,
      rule.language ?? parkRow.language,
      rule.enabled,
    ],
  );
  const id = r.rows[0]?.id;
  const added = (await listReportRules(pool)).find((x) => x.id === id);
  if (!added) throw new Error(`report rule ${String(id)} vanished right after its insert`);
  return added;
}

/**
 * Turns a rule on or off; running schedulers pick the change up at their next reload.
 * Throws when there is no such rule.
 */
export async function setReportRuleEnabled(
  pool: pg.Pool,
  id: string,
  enabled: boolean,
): Promise<void> {
  const r = /^\d{1,18}$/.test(id)
    ? await pool.query(
        `UPDATE report_rules SET enabled = $2,
                enabled_changed_at = CASE WHEN enabled = $2 THEN enabled_changed_at ELSE now() END
          WHERE id = $1`,
        [id, enabled],
      )
    : null;
  if (!r?.rowCount) {
    throw new ReportRequestError(`there is no report rule ${id} (see "report rule list")`);
  }
}

/**
 * Deletes a rule and its firing records (the reports it queued stay). A scheduler that still
 * holds the rule drops it at its next reload; a firing in that window fails on the missing
 * rule and queues nothing. Throws when there is no such rule.
 */
export async function deleteReportRule(pool: pg.Pool, id: string): Promise<void> {
  const r = /^\d{1,18}$/.test(id)
    ? await pool.query('DELETE FROM report_rules WHERE id = $1', [id])
    : null;
  if (!r?.rowCount) {
    throw new ReportRequestError(`there is no report rule ${id} (see "report rule list")`);
  }
}

interface RuleRow {
  id: string;
  park_id: string;
  ride_id: string | null;
  cron: string;
  period: ReportRule['period'];
  language: ReportRule['language'];
  enabled: boolean;
  timezone: string;
  created_at: Date;
  enabled_changed_at: Date;
  park_disabled: boolean;
}

/**
 * Every rule (or only those that fire: enabled, of a park that is not disabled), oldest first.
 */
export async function listReportRules(
  db: pg.Pool | pg.PoolClient,
  options: { enabledOnly?: boolean } = {},
): Promise<ReportRule[]> {
  const r = await db.query<RuleRow>(
    `SELECT r.id, r.park_id, r.ride_id, r.cron, r.period, r.language, r.enabled, p.timezone,
            r.created_at, r.enabled_changed_at, p.disabled_at IS NOT NULL AS park_disabled
       FROM report_rules r JOIN parks p ON p.id = r.park_id
      WHERE (r.enabled AND p.disabled_at IS NULL) OR NOT $1
      ORDER BY r.id`,
    [options.enabledOnly ?? false],
  );
  return r.rows.map((row) => ({
    id: String(row.id),
    park: row.park_id,
    ride: row.ride_id,
    cron: row.cron,
    period: row.period,
    language: row.language,
    enabled: row.enabled,
    timezone: row.timezone,
    createdAt: row.created_at.toISOString(),
    enabledChangedAt: row.enabled_changed_at.toISOString(),
    parkDisabled: row.park_disabled,
  }));
}
