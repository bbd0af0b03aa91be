import type pg from 'pg';
import type { Logger } from 'pino';
import { withTransaction } from '../db/pool.ts';
import { startRuleScheduler, type RuleScheduler } from '../scheduler/rule-scheduler.ts';
import { MISSING_KEY_TEXT } from './credential-seal.ts';
import { queueDownload, type QueuedDownload } from './download-requests.ts';
import { scheduledRideSources } from './ride-sources.ts';

/** A central-pull ride's schedule, as the scheduler runs it. */
export interface DownloadRule {
  park: string;
  ride: string;
  cron: string;
  timezone: string;
}

/**
 * Records one firing of a ride's schedule and queues its download, in one transaction, unless
 * another API replica already did: the firing's key is (park, ride, scheduled instant), so of
 * the replicas that fire the same rule at the same instant exactly one inserts it (the others
 * wait on the key, then find it taken), as report firings do. Null when the firing was taken.
 */
export function fireDownloadRule(
  pool: pg.Pool,
  rule: DownloadRule,
  scheduledAt: Date,
): Promise<QueuedDownload | null> {
  return withTransaction(pool, async (c) => {
    const claimed = await c.query(
      `INSERT INTO download_firings (park_id, ride_id, scheduled_at) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [rule.park, rule.ride, scheduledAt],
    );
    if (claimed.rowCount === 0) return null;
    const queued = await queueDownload(c, {
      park: rule.park,
      ride: rule.ride,
      reason: 'schedule',
      requestedBy: 'schedule',
    });
    await c.query(
      `UPDATE download_firings SET request_id = $4
        WHERE park_id = $1 AND ride_id = $2 AND scheduled_at = $3`,
      [rule.park, rule.ride, scheduledAt, queued.requestId],
    );
    return queued;
  });
}

/** Options of {@link startDownloadScheduler}. */
export interface DownloadSchedulerOptions {
  pool: pg.Pool;
  log: Logger;
  /** How often the rides are re-read (default 30 s). */
  reloadMs?: number;
  /** Called after this process queued a download (to kick the outbox publisher). */
  onEnqueued?: () => void;
  /** GATEWAY_CREDENTIALS_KEY: without it no schedule fires (nothing could log in). */
  credentialsKey: Buffer | undefined;
}

/**
 * Fires every central-pull ride's schedule in its park's time zone (every API replica runs
 * one; each firing is claimed once). Missed firings are not made up: the next firing lists the
 * gateway and takes everything not pulled yet.
 */
export function startDownloadScheduler(options: DownloadSchedulerOptions): RuleScheduler {
  const { pool, log } = options;
  let refused = false;
  return startRuleScheduler<DownloadRule>({
    name: 'download',
    log,
    reloadMs: options.reloadMs,
    async list() {
      const rows = await scheduledRideSources(pool);
      if (!options.credentialsKey && rows.length > 0) {
        // Said once (again after it was fixed and broke again), not at every reload.
        if (!refused) {
          log.error(
            { code: 'credentials_key', rides: rows.length },
            `central pull not started: ${rows.length === 1 ? 'a ride uses' : `${rows.length} rides use`} it, but ${MISSING_KEY_TEXT}`,
          );
        }
        refused = true;
        return [];
      }
      refused = false;
      return rows.flatMap((r) =>
        r.cron ? [{ park: r.park_id, ride: r.ride_id, cron: r.cron, timezone: r.timezone }] : [],
      );
    },
    key: (rule) => `${rule.park}/${rule.ride}`,
    signature: (rule) => JSON.stringify([rule.cron, rule.timezone]),
    async fire(rule, scheduledAt) {
      const queued = await fireDownloadRule(pool, rule, scheduledAt);
      if (!queued) return;
      log.info(
        { park: rule.park, ride: rule.ride, scheduledAt, ...queued },
        queued.joined
          ? 'scheduled download joined the one still waiting'
          : 'scheduled download queued',
      );
      if (!queued.joined) options.onEnqueued?.();
    },
  });
}
