import type pg from 'pg';
import type { Logger } from 'pino';
import { withTransaction } from '../db/pool.ts';
import { enqueue } from '../queue/outbox.ts';
import { sleep } from '../queue/sleep.ts';

/** What one sweep did. */
export interface StuckJobSweep {
  /** Batches and reports sent to their queue again. */
  requeued: string[];
  /** Subjects that had used up their attempts and were failed instead. */
  failed: string[];
}

/** What the sweeper needs. */
export interface StuckJobSweeperOptions {
  pool: pg.Pool;
  /** A job started this long ago without an end is abandoned (its worker died). */
  stuckAfterMs: number;
  /** Attempts (job runs) after which a stuck subject is failed instead of requeued. */
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
 * Finds batches left `processing` (and reports left `running`) by a worker that died without
 * the broker redelivering the message (it was acked, or lost with a broker), i.e. with no job
 * run that started within `stuckAfterMs` and is still open. Each one's open job runs are
 * closed as abandoned, and the subject goes back to its queue through the outbox (`stored` /
 * `queued`), or is `failed` when it already had `maxAttempts` attempts. Row locks with
 * SKIP LOCKED let every API replica sweep at once.
 */
export async function sweepStuckJobs(options: StuckJobSweeperOptions): Promise<StuckJobSweep> {
  const { pool, stuckAfterMs, maxAttempts, log } = options;
  const out: StuckJobSweep = { requeued: [], failed: [] };
  for (const kind of KINDS) {
    await withTransaction(pool, async (c) => {
      const stuck = await c.query<{ id: string; attempts: number }>(
        `SELECT s.id,
                (SELECT count(*)::int FROM job_runs j WHERE j.subject = s.id AND j.type = $1)
                  AS attempts
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
      const minutes = Math.round(stuckAfterMs / 60_000);
      for (const { id, attempts } of stuck.rows) {
        const giveUp = attempts >= maxAttempts;
        const error = giveUp
          ? `gave up: ${attempts} attempts, the last one abandoned (no end after ${minutes} min: the worker died)`
          : `requeued: the job had no end after ${minutes} min (the worker died and the broker did not redeliver)`;
        await c.query(
          `UPDATE job_runs SET ended_at = now(), outcome = $3, error = $4
            WHERE subject = $1 AND type = $2 AND ended_at IS NULL`,
          [id, kind.type, giveUp ? 'failed' : 'retrying', `abandoned: ${error}`],
        );
        if (giveUp) {
          await c.query(
            `UPDATE ${kind.table} SET state = 'failed', error = $2
                    ${kind.type === 'report' ? ', finished_at = now()' : ', updated_at = now()'}
              WHERE id = $1`,
            [id, error],
          );
          out.failed.push(id);
        } else {
          await c.query(
            `UPDATE ${kind.table} SET state = $2, error = $3
                    ${kind.type === 'postprocess' ? ', updated_at = now()' : ''}
              WHERE id = $1`,
            [id, kind.pending, error],
          );
          if (kind.type === 'postprocess') await enqueue(c, 'postprocess', { batchId: id }, id);
          else await enqueue(c, 'report', { reportId: id }, id);
          out.requeued.push(id);
        }
        log.warn({ type: kind.type, subject: id, attempts, giveUp }, 'stuck job swept');
      }
    });
  }
  return out;
}

/** A running sweeper loop. */
export interface StuckJobSweeper {
  stop(): Promise<void>;
}

/** Sweeps every `intervalMs`; `onRequeued` is told when something went back to a queue. */
export function startStuckJobSweeper(
  options: StuckJobSweeperOptions & { intervalMs: number; onRequeued?: () => void },
): StuckJobSweeper {
  const stopping = new AbortController();
  const running = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const swept = await sweepStuckJobs(options);
        if (swept.requeued.length > 0) options.onRequeued?.();
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
