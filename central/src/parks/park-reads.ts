import type pg from 'pg';
import { DomainError } from '../domain-error.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import {
  BATCH_STATES,
  type DropView,
  type DropsInput,
  type DropsOutput,
  type ReportsInput,
  type ReportsOutput,
  type StandingOutput,
} from './park-read-schemas.ts';

type BatchState = (typeof BATCH_STATES)[number];

export interface BatchRow {
  id: string;
  sha256: string;
  content_id: string | null;
  file_name: string;
  ride_id: string | null;
  sequence: string | null;
  window_start: Date | null;
  window_end: Date | null;
  state: BatchState;
  error_code: string | null;
  error: string | null;
  superseded_by: string | null;
  received_at: Date;
  queued_at: Date | null;
  processed_at: Date | null;
  updated_at: Date;
}

export const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function dropView(r: BatchRow): DropView {
  return {
    batchId: r.id,
    sha256: r.sha256,
    contentId: r.content_id,
    fileName: r.file_name,
    ride: r.ride_id,
    sequence: r.sequence === null ? null : Number(r.sequence),
    window:
      r.window_start && r.window_end
        ? { start: r.window_start.toISOString(), end: r.window_end.toISOString() }
        : null,
    state: r.state,
    error: r.error_code || r.error ? { code: r.error_code, reason: r.error } : null,
    superseded: r.superseded_by !== null,
    receivedAt: r.received_at.toISOString(),
    queuedAt: iso(r.queued_at),
    processedAt: iso(r.processed_at),
    updatedAt: r.updated_at.toISOString(),
  };
}

/**
 * One page of the park's batches, newest received first. Keyset pagination on
 * (received_at, id): the cursor is the last batch id of the previous page, so batches
 * arriving meanwhile neither repeat nor shift a page. Every query is bound to `park.id`.
 */
export async function parkDrops(
  pool: pg.Pool,
  park: ParkIdentity,
  input: DropsInput,
): Promise<DropsOutput> {
  const params: unknown[] = [park.id, input.since ?? null, input.limit + 1];
  let after = '';
  if (input.cursor) {
    const found = await pool.query<{ received_at: Date }>(
      'SELECT received_at FROM batches WHERE id = $1 AND park_id = $2',
      [input.cursor, park.id],
    );
    if (found.rowCount === 0) {
      throw new DomainError(
        'invalid_input',
        'cursor does not name a batch of this park: pass the nextCursor of the previous page, or omit it to start again',
      );
    }
    params.push(input.cursor);
    after = `AND (received_at, id) < ((SELECT received_at FROM batches WHERE id = $4), $4)`;
  }
  const r = await pool.query<BatchRow>(
    `SELECT id, sha256, content_id, file_name, ride_id, sequence, window_start, window_end,
            state, error_code, error, superseded_by, received_at, queued_at, processed_at,
            updated_at
       FROM batches
      WHERE park_id = $1 AND ($2::timestamptz IS NULL OR updated_at >= $2::timestamptz) ${after}
      ORDER BY received_at DESC, id DESC
      LIMIT $3`,
    params,
  );
  const rows = r.rows.slice(0, input.limit);
  const last = rows.at(-1);
  return {
    drops: rows.map(dropView),
    nextCursor: r.rows.length > input.limit && last ? last.id : null,
  };
}

/** The park's ready and failed reports, most recently finished first. Paths are never read. */
export async function parkReports(
  pool: pg.Pool,
  park: ParkIdentity,
  input: ReportsInput,
): Promise<ReportsOutput> {
  const r = await pool.query<{
    id: string;
    ride_id: string | null;
    period_start: Date;
    period_end: Date;
    state: 'ready' | 'failed';
    finished_at: Date | null;
  }>(
    `SELECT id, ride_id, period_start, period_end, state, finished_at
       FROM reports
      WHERE park_id = $1 AND state IN ('ready', 'failed')
      ORDER BY finished_at DESC NULLS LAST, id DESC
      LIMIT $2`,
    [park.id, input.limit],
  );
  return {
    reports: r.rows.map((row) => ({
      id: row.id,
      ride: row.ride_id,
      period: { start: row.period_start.toISOString(), end: row.period_end.toISOString() },
      state: row.state,
      finishedAt: iso(row.finished_at),
    })),
  };
}

/**
 * Today's batch counts by state (the park's local day; a drop a revision replaced is not
 * counted, its revision is), last upload, oldest unprocessed.
 */
export async function parkStanding(pool: pg.Pool, park: ParkIdentity): Promise<StandingOutput> {
  const today = await pool.query<{ date: string; state: BatchState | null; n: string }>(
    `SELECT to_char(now() AT TIME ZONE $2, 'YYYY-MM-DD') AS date, b.state, count(b.id) AS n
       FROM (SELECT 1) AS one
       LEFT JOIN batches b
         ON b.park_id = $1 AND b.superseded_by IS NULL
        AND b.received_at >= (date_trunc('day', now() AT TIME ZONE $2) AT TIME ZONE $2)
      GROUP BY b.state`,
    [park.id, park.timezone],
  );
  const byState = Object.fromEntries(BATCH_STATES.map((s) => [s, 0])) as Record<BatchState, number>;
  for (const row of today.rows) if (row.state) byState[row.state] = Number(row.n);
  const last = await pool.query<{ at: Date | null }>(
    'SELECT max(received_at) AS at FROM batches WHERE park_id = $1',
    [park.id],
  );
  const oldest = await pool.query<{
    id: string;
    file_name: string;
    state: BatchState;
    received_at: Date;
  }>(
    `SELECT id, file_name, state, received_at FROM batches
      WHERE park_id = $1 AND state IN ('stored', 'queued', 'processing')
        AND superseded_by IS NULL
      ORDER BY received_at, id LIMIT 1`,
    [park.id],
  );
  const o = oldest.rows[0];
  return {
    today: { date: today.rows[0]?.date ?? '', timezone: park.timezone, byState },
    lastUploadAt: iso(last.rows[0]?.at ?? null),
    oldestUnprocessed: o
      ? {
          batchId: o.id,
          fileName: o.file_name,
          state: o.state,
          receivedAt: o.received_at.toISOString(),
        }
      : null,
  };
}
