import type pg from 'pg';
import type { Logger } from 'pino';
import { missedFirings } from './missed-firings.ts';
import { fireReportRule } from './report-firing.ts';
import { listReportRules, type ReportRule } from './report-rules.ts';
import { startRuleScheduler } from './rule-scheduler.ts';

/** What the scheduler needs. */
export interface ReportSchedulerOptions {
  pool: pg.Pool;
  log: Logger;
  /** How often rules are re-read, so added or disabled rules take effect (default 30 s). */
  reloadMs?: number;
  /** Called after this process queued a report (e.g. to kick the outbox publisher). */
  onEnqueued?: (reportId: string) => void;
  /**
   * Firings missed up to this long ago (no process ran, the database was down, the event loop
   * was blocked) are made up at every reload, each once (default 0: none).
   */
  catchUpMs?: number;
}

/** A running scheduler. */
export interface ReportScheduler {
  /** Firings this process attempted, and how many of them it won (queued a report for). */
  stats(): { fired: number; enqueued: number };
  /** Stops the cron tasks, then waits for firings in progress. */
  stop(): Promise<void>;
}

/**
 * Runs every enabled report rule on a timer in its park's time zone, at the instants
 * `nextFiring` gives (R6 on DST days: a skipped time fires at the gap's end, a repeated one
 * once). Every API replica runs one; each firing is claimed by exactly one of them through the
 * firing key (see `fireReportRule`). At start-up and at every reload, firings missed within
 * `catchUpMs` (after downtime, or a firing whose transaction failed) are fired too, through
 * the same key.
 */
export function startReportScheduler(options: ReportSchedulerOptions): ReportScheduler {
  const { pool, log } = options;
  let enqueued = 0;
  const scheduler = startRuleScheduler<ReportRule>({
    name: 'report',
    log,
    reloadMs: options.reloadMs,
    list: () => listReportRules(pool, { enabledOnly: true }),
    key: (rule) => rule.id,
    signature: signatureOf,
    missed: (rules) => missedFirings(pool, rules, new Date(), options.catchUpMs ?? 0),
    async fire(rule, scheduledAt) {
      const reportId = await fireReportRule(pool, rule, scheduledAt);
      if (!reportId) return;
      enqueued++;
      log.info(
        { rule: rule.id, park: rule.park, scheduledAt, reportId },
        'scheduled report queued',
      );
      options.onEnqueued?.(reportId);
    },
  });
  return {
    stats: () => ({ fired: scheduler.fired(), enqueued }),
    stop: () => scheduler.stop(),
  };
}

/** What makes a task out of date: any change of what or when it fires. */
function signatureOf(rule: ReportRule): string {
  return JSON.stringify([rule.cron, rule.timezone, rule.period, rule.language, rule.ride]);
}
