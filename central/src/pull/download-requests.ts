import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { DomainError } from '../domain-error.ts';
import { enqueue } from '../queue/outbox.ts';
import type { Queryable } from '../worker/job-kind.ts';
import { noSource } from './ride-sources.ts';

/**
 * Why a ride is downloaded: its schedule fired, a person pressed "pull now" or asked for a
 * backfill, a bounded job left the rest of the listing for the next one, or a connection
 * check (connect and list only).
 */
export type DownloadReason = 'schedule' | 'now' | 'backfill' | 'continue' | 'check';

/** A download to queue. */
export interface NewDownload {
  park: string;
  ride: string;
  reason: DownloadReason;
  /** Backfill: files whose window starts at or after this instant, pulled even if known. */
  since?: Date | null;
  /** A continuation resumes after this file of the listing order. */
  after?: { mtimeMs: number; name: string } | null;
  /** A dashboard user, `cli:<os user>`, `schedule`, or `download <id>` for a continuation. */
  requestedBy: string;
}

/** The queued request, and whether it joined one that was already waiting. */
export interface QueuedDownload {
  requestId: string;
  /** A download of the same kind was already waiting to start: that one will do it. */
  joined: boolean;
}

/**
 * Queues a download of one ride inside the caller's transaction: the request row and its
 * outbox message commit together. At most one scheduled-or-"pull now" download, and one check,
 * waits per ride (a unique index): a second one joins the waiting one, so a ride whose pulls
 * are slow never piles up firings.
 */
export async function queueDownload(c: Queryable, d: NewDownload): Promise<QueuedDownload> {
  const source = await c.query<{ connection: unknown }>(
    'SELECT connection FROM ride_sources WHERE park_id = $1 AND ride_id = $2',
    [d.park, d.ride],
  );
  const row = source.rows[0];
  if (!row) throw noSource(d.park, d.ride);
  if (row.connection === null) {
    throw new DomainError(
      'precondition_failed',
      `ride ${d.park}/${d.ride} has no gateway at central: set its gateway under Central pull first`,
    );
  }
  const id = randomUUID();
  const inserted = await c.query(
    `INSERT INTO download_requests (id, park_id, ride_id, reason, since, after_mtime_ms,
                                    after_name, requested_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [
      id,
      d.park,
      d.ride,
      d.reason,
      d.since ?? null,
      d.after?.mtimeMs ?? null,
      d.after?.name ?? null,
      d.requestedBy.slice(0, 200),
    ],
  );
  if (inserted.rowCount === 0) {
    const waiting = await c.query<{ id: string }>(
      `SELECT id FROM download_requests
        WHERE park_id = $1 AND ride_id = $2 AND state = 'queued'
          AND (CASE WHEN $3 = 'check' THEN reason = 'check' ELSE reason IN ('schedule', 'now') END)
        LIMIT 1`,
      [d.park, d.ride, d.reason],
    );
    const joined = waiting.rows[0]?.id;
    // The waiting one started between the insert and this read: queue ours after all.
    if (!joined) return queueDownload(c, d);
    return { requestId: joined, joined: true };
  }
  await enqueue(c, 'download', { requestId: id }, id);
  return { requestId: id, joined: false };
}

/** {@link queueDownload} in a transaction of its own. */
export function requestDownload(pool: pg.Pool, d: NewDownload): Promise<QueuedDownload> {
  return withTransaction(pool, (c) => queueDownload(c, d));
}

/** A download request as the dashboard and the CLI show it. */
export interface DownloadRequestView {
  id: string;
  park: string;
  ride: string;
  reason: DownloadReason;
  since: string | null;
  state: 'queued' | 'running' | 'done' | 'failed';
  requestedBy: string;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  counts: Record<string, number> | null;
  errorCode: string | null;
  error: string | null;
}

interface RequestRow {
  id: string;
  park_id: string;
  ride_id: string;
  reason: DownloadReason;
  since: Date | null;
  state: DownloadRequestView['state'];
  requested_by: string;
  requested_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  counts: Record<string, number> | null;
  error_code: string | null;
  error: string | null;
}

/** The latest downloads of a ride (or one by id), newest first. */
export async function listDownloadRequests(
  db: Queryable,
  filter: { park?: string; ride?: string; id?: string; limit?: number },
): Promise<DownloadRequestView[]> {
  const r = await db.query<RequestRow>(
    `SELECT * FROM download_requests
      WHERE ($1::text IS NULL OR park_id = $1) AND ($2::text IS NULL OR ride_id = $2)
        AND ($3::uuid IS NULL OR id = $3)
      ORDER BY requested_at DESC, id DESC LIMIT $4`,
    [filter.park ?? null, filter.ride ?? null, filter.id ?? null, filter.limit ?? 10],
  );
  return r.rows.map((row) => ({
    id: row.id,
    park: row.park_id,
    ride: row.ride_id,
    reason: row.reason,
    since: row.since?.toISOString() ?? null,
    state: row.state,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    counts: row.counts,
    errorCode: row.error_code,
    error: row.error,
  }));
}
