import type pg from 'pg';
import type { Logger } from 'pino';
import { startRuleTimer, type RuleTimer } from '@zra/shared';
import { missedFirings } from './missed-firings.ts';
import { fireReportRule } from './report-firing.ts';
import { listReportRules, type ReportRule } from './report-rules.ts';

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
  const tasks = new Map<string, { signature: string; task: RuleTimer }>();
  const inFlight = new Set<Promise<void>>();
  let fired = 0;
  let enqueued = 0;
  let stopped = false;

  function fire(rule: ReportRule, scheduledAt: Date): void {
    fired++;
    const work = fireReportRule(pool, rule, scheduledAt).then(
      (reportId) => {
        if (!reportId) return;
        enqueued++;
        log.info(
          { rule: rule.id, park: rule.park, scheduledAt, reportId },
          'scheduled report queued',
        );
        options.onEnqueued?.(reportId);
      },
      (err: unknown) =>
        log.error(
          { err, rule: rule.id, scheduledAt },
          'report rule fired but its report was not queued',
        ),
    );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  async function reload(): Promise<void> {
    const rules = await listReportRules(pool, { enabledOnly: true });
    const wanted = new Map(rules.map((r) => [r.id, r]));
    for (const [id, entry] of tasks) {
      const rule = wanted.get(id);
      if (!rule || signatureOf(rule) !== entry.signature) {
        entry.task.stop();
        tasks.delete(id);
      }
    }
    for (const rule of rules) {
      if (tasks.has(rule.id) || stopped) continue;
      const task = startRuleTimer(rule.cron, rule.timezone, (at) => fire(rule, at));
      tasks.set(rule.id, { signature: signatureOf(rule), task });
    }
    const missed = await missedFirings(pool, rules, new Date(), options.catchUpMs ?? 0);
    for (const { rule, at } of missed) {
      if (stopped) break;
      log.debug({ rule: rule.id, park: rule.park, scheduledAt: at }, 'making up a missed firing');
      fire(rule, at);
    }
  }

  const reloadMs = options.reloadMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    try {
      await reload();
    } catch (err) {
      log.warn(
        { err },
        'report scheduler: cannot read the rules (database down?); keeping the current ones',
      );
    }
    if (!stopped) {
      timer = setTimeout(() => {
        running = loop();
      }, reloadMs);
    }
  };
  let running = loop();

  return {
    stats: () => ({ fired, enqueued }),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      for (const { task } of tasks.values()) task.stop();
      tasks.clear();
      await Promise.all(inFlight);
    },
  };
}

/** What makes a task out of date: any change of what or when it fires. */
function signatureOf(rule: ReportRule): string {
  return JSON.stringify([rule.cron, rule.timezone, rule.period, rule.language, rule.ride]);
}
