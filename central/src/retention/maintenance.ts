import type pg from 'pg';
import type { Logger } from 'pino';
import { foldBatchStateCounts } from '../batches/batch-state-counts.ts';
import { foldParkDayStates } from '../batches/park-day-states.ts';
import type { BlobStore } from '../blob/blob-store.ts';
import type { RetentionSettings } from '../config.ts';
import { keepDaysOfUnviewedRides } from '../dashboard/ride-day-backfill.ts';
import { foldParkKeptBytes } from '../ingest/park-kept-bytes.ts';
import { pruneOutbox } from '../queue/outbox-prune.ts';
import { sleep } from '../queue/sleep.ts';
import { sweepRetention } from './retention-sweeper.ts';

/** How often the batches' count rows are folded: a reader then sums at most a minute of changes. */
export const FOLD_EVERY_MS = 60_000;
/** How often retention runs: it removes a day's worth at a time, a few times a day suffices. */
export const RETENTION_EVERY_MS = 3_600_000;

/** A running maintenance loop. */
export interface Maintenance {
  stop(): Promise<void>;
}

/**
 * The database's housekeeping in every `serve`: folds the batches' count rows (by state, and by
 * park, day and state) and the parks' kept bytes every minute, keeps the days of
 * `rideDaysPerMinute` rides whose ride page has none yet (each minute, after folding), and
 * runs retention and removes week-old published outbox rows every hour (and a minute after
 * start). Every replica runs it; any replica may fold at any time, keeping days and retention
 * take locks that the others skip. A failure (database down) is logged and tried again next
 * time.
 */
export function startMaintenance(options: {
  pool: pg.Pool;
  blobs: BlobStore;
  retention: RetentionSettings;
  /** Rides per round whose year of days is computed and kept before anyone asks (0: none). */
  rideDaysPerMinute?: number;
  log: Logger;
  foldEveryMs?: number;
  retentionEveryMs?: number;
}): Maintenance {
  const foldEvery = options.foldEveryMs ?? FOLD_EVERY_MS;
  const retentionEvery = options.retentionEveryMs ?? RETENTION_EVERY_MS;
  const stopping = new AbortController();
  const running = (async () => {
    let nextRetention = Date.now() + Math.min(foldEvery, retentionEvery);
    while (!stopping.signal.aborted) {
      await sleep(foldEvery, stopping.signal);
      if (stopping.signal.aborted) break;
      try {
        await foldBatchStateCounts(options.pool);
        await foldParkDayStates(options.pool);
        await foldParkKeptBytes(options.pool);
      } catch (err) {
        options.log.warn(
          { err },
          'folding batch counts failed (database down?); trying again later',
        );
      }
      try {
        await keepDaysOfUnviewedRides(options.pool, options.rideDaysPerMinute ?? 0);
      } catch (err) {
        options.log.warn(
          { err },
          "keeping ride pages' days failed (database down?); trying again later",
        );
      }
      if (Date.now() < nextRetention) continue;
      nextRetention = Date.now() + retentionEvery;
      try {
        await sweepRetention(options.pool, options.blobs, options.retention, options.log);
      } catch (err) {
        options.log.warn({ err }, 'retention sweep failed (database down?); trying again later');
      }
      try {
        const removed = await pruneOutbox(options.pool);
        if (removed > 0) options.log.info({ removed }, 'removed week-old published outbox rows');
      } catch (err) {
        options.log.warn(
          { err },
          'removing old published outbox rows failed (database down?); trying again later',
        );
      }
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
