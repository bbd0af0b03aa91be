import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { enqueue } from '../queue/outbox.ts';

/** Why a report cannot be retried; `missing` tells NOT_FOUND from a wrong state. */
export class ReportRetryError extends Error {
  override name = 'ReportRetryError';
  constructor(
    message: string,
    readonly missing: boolean,
  ) {
    super(message);
  }
}

/**
 * Builds a `failed` report again (the dashboard's "retry"): state back to `queued` and a new
 * outbox row, in one transaction; its period, ride and language stay as requested.
 */
export async function retryReport(pool: pg.Pool, reportId: string): Promise<void> {
  await withTransaction(pool, async (c) => {
    const r = await c.query<{ state: string }>(
      'SELECT state FROM reports WHERE id = $1 FOR UPDATE',
      [reportId],
    );
    const state = r.rows[0]?.state;
    if (!state) throw new ReportRetryError(`there is no report ${reportId}`, true);
    if (state !== 'failed') {
      throw new ReportRetryError(
        `report ${reportId} is ${state}; only failed reports are retried`,
        false,
      );
    }
    await c.query(
      `UPDATE reports SET state = 'queued', started_at = NULL, finished_at = NULL WHERE id = $1`,
      [reportId],
    );
    await enqueue(c, 'report', { reportId }, reportId);
  });
}
