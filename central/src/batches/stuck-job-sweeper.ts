import type pg from 'pg';
import type { Logger } from 'pino';
import { withTransaction } from '../db/pool.ts';
import { enqueue } from '../queue/outbox.ts';
import { sleep } from '../queue/sleep.ts';
import { abandonOpenRuns, roundCounts } from '../worker/job-runs.ts';
import { removeStaleScratch } from '../blob/stale-scratch.ts';

/** What one sweep did. */
export interface StuckJobSweep {
  /** Batches and reports sent to their queue again. */
  requeued: string[];
  /** Subjects whose worker died during every one of their last attempts: failed instead. */
  failed: string[];
  /** Open job runs closed as `abandoned` whose subject had moved on (e.g. a redelivery finished it). */
  orphans: number;
}

/** What the sweeper needs. */
export interface StuckJobSweeperOptions {
  pool: pg.Pool;
  /** A job started this long ago without an end is abandoned (its worker died). */
  stuckAfterMs: number;
  /** Runs lost with a dead worker after which a stuck subject is failed instead of requeued. */
  maxAttempts: number;
  log: Logger;
}

/** The subjects of the two job kinds, in the terms the sweep needs. */
const KINDS = [
  {
    type: 'postprocess' as const,
    table: 'batches',
    running: 'processing',
    pending: 'stored',
    // A batch's `updated_at` moves when its job starts (state processing).
    since: 'updated_at',
  },
  {
    type: 'report' as const,
    table: 'reports',
    running: 'running',
    pending: 'queued',
    since: 'started_at',
  },
];

/**
 * Two kinds of leftovers of a worker that died (SIGKILL, eviction, out of memory):
 *
 * - Batches left `processing` (and reports left `running`) whose message the broker will not
 *   deliver again (it was acked, or lost with a broker), i.e. with no job run that started
 *   within `stuckAfterMs` and is still open. Their open runs are closed as `abandoned`, and the
 *   subject goes back to its queue through the outbox (`stored` / `queued`), or is `failed`
 *   when its worker died during `maxAttempts` runs of this round.
 * - Job runs with no end after `stuckAfterMs` whatever their subject's state: typically the
 *   killed attempt of a job that a redelivery then finished. They are closed as `abandoned`
 *   with when and why, so no phantom stays "running".
 *
 * An abandoned run is not one of the job's attempts. Row locks with SKIP LOCKED let every API
 * replica sweep at once.
 */
export async function sweepStuckJobs(options: StuckJobSweeperOptions): Promise<StuckJobSweep> {
  const { pool, stuckAfterMs, maxAttempts, log } = options;
  const out: StuckJobSweep = { requeued: [], failed: [], orphans: 0 };
  const minutes = Math.round(stuckAfterMs / 60_000);
  for (const kind of KINDS) {
    await withTransaction(pool, async (c) => {
      const stuck = await c.query<{ id: string }>(
        `SELECT s.id
           FROM ${kind.table} s
          WHERE s.state = $2
            AND s.${kind.since} < now() - $3::float8 * interval '1 millisecond'
            AND NOT EXISTS (
              SELECT 1 FROM job_runs j
               WHERE j.subject = s.id AND j.type = $1 AND j.ended_at IS NULL
                 AND j.started_at >= now() - $3::float8 * interval '1 millisecond')
          ORDER BY s.id LIMIT 100
          FOR UPDATE SKIP LOCKED`,
        [kind.type, kind.running, stuckAfterMs],
      );
      for (const { id } of stuck.rows) {
        await abandonOpenRuns(
          c,
          kind.type,
          id,
          `abandoned: no end ${minutes} min after it started; its worker stopped (killed, evicted or crashed) and the broker did not deliver the job again`,
        );
        const counts = await roundCounts(c, kind.type, id);
        const giveUp = counts.abandoned >= maxAttempts;
        if (giveUp) {
          const error = `the worker stopped (killed, evicted or out of memory) during each of the last ${counts.abandoned} runs of this job; not retried. What to do: check the worker pods and their logs of that time, then retry it from the dashboard.`;
          await c.query(
            `UPDATE job_runs SET outcome = 'failed', error = $3, error_code = 'worker_died'
              WHERE id = (SELECT max(id) FROM job_runs WHERE type = $1 AND subject = $2)`,
            [kind.type, id, error],
          );
          await c.query(
            `UPDATE ${kind.table} SET state = 'failed', error = $2, error_code = 'worker_died'
                    ${kind.type === 'report' ? ', finished_at = now()' : ', updated_at = now()'}
              WHERE id = $1`,
            [id, error],
          );
          out.failed.push(id);
        } else {
          // The error of the latest failure (if any) stays: nothing new went wrong with the job.
          await c.query(
            `UPDATE ${kind.table} SET state = $2
                    ${kind.type === 'postprocess' ? ', updated_at = now()' : ''}
              WHERE id = $1`,
            [id, kind.pending],
          );
          if (kind.type === 'postprocess') await enqueue(c, 'postprocess', { batchId: id }, id);
          else await enqueue(c, 'report', { reportId: id }, id);
          out.requeued.push(id);
        }
        log.warn(
          { type: kind.type, subject: id, abandoned: counts.abandoned, giveUp },
          'stuck job swept',
        );
      }
    });
  }
  const orphans = await pool.query(
    `UPDATE job_runs SET ended_at = now(), outcome = 'abandoned', error_code = 'abandoned',
            error = 'abandoned: no end ' || $2::int || ' min after it started (' ||
                    to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') ||
                    ' UTC on ' || worker || '); its worker stopped (killed, evicted or crashed) without recording one'
      WHERE ended_at IS NULL AND started_at < now() - $1::float8 * interval '1 millisecond'`,
    [stuckAfterMs, minutes],
  );
  out.orphans = orphans.rowCount ?? 0;
  if (out.orphans > 0)
    log.warn({ runs: out.orphans }, 'job runs without an end closed as abandoned');
  return out;
}

/** A running sweeper loop. */
export interface StuckJobSweeper {
  stop(): Promise<void>;
}

/** Sweeps every `intervalMs`; `onRequeued` is told when something went back to a queue. */
export function startStuckJobSweeper(
  options: StuckJobSweeperOptions & {
    intervalMs: number;
    onRequeued?: () => void;
    /** The blob store's root: scratch files of killed jobs are removed on the same clock. */
    blobRoot?: string;
  },
): StuckJobSweeper {
  const stopping = new AbortController();
  const running = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const swept = await sweepStuckJobs(options);
        if (swept.requeued.length > 0) options.onRequeued?.();
        if (options.blobRoot) {
          await removeStaleScratch(options.blobRoot, options.stuckAfterMs, options.log);
        }
      } catch (err) {
        options.log.warn({ err }, 'stuck-job sweep failed (database down?); trying again later');
      }
      await sleep(options.intervalMs, stopping.signal);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
