import type pg from 'pg';

/** What the retention sweeper removes: per-cycle rows, or the drops' zip files. */
export type RetentionKind = 'cycles' | 'blobs';

/** How far the sweeper has come for one kind (table retention_state). */
export interface RetentionProgress {
  /** Every batch received before (cursorAt, cursorId) has been swept. */
  cursorAt: Date;
  cursorId: string;
  /** End of the latest window whose data is gone; null while nothing had a window. */
  removedBefore: Date | null;
}

/** The sweeper's progress for `kind`, or null when it never removed anything. */
export async function retentionProgress(
  db: pg.Pool | pg.PoolClient,
  kind: RetentionKind,
): Promise<RetentionProgress | null> {
  const r = await db.query<{ cursor_at: Date; cursor_id: string; removed_before: Date | null }>(
    'SELECT cursor_at, cursor_id, removed_before FROM retention_state WHERE what = $1',
    [kind],
  );
  const row = r.rows[0];
  return row
    ? { cursorAt: row.cursor_at, cursorId: row.cursor_id, removedBefore: row.removed_before }
    : null;
}

/**
 * Why figures of a period starting at `start` cannot be made any more, or null when they can:
 * the per-cycle rows of windows before the sweeper's `removedBefore` are gone, and a report
 * over them would count too few cycles. The sentence says from when on a period is complete.
 */
export async function periodBeforeRetention(
  db: pg.Pool | pg.PoolClient,
  start: Date,
): Promise<string | null> {
  const p = await retentionProgress(db, 'cycles');
  if (!p?.removedBefore || start >= p.removedBefore) return null;
  const from = p.removedBefore.toISOString();
  return `the per-cycle data before ${from} has been removed by retention (RETAIN_CYCLES_D), so a report starting ${start.toISOString()} would count too few cycles; ask for a period from ${from} on`;
}

/**
 * True when the zip file of batch `batchId` was removed by retention (it was received before
 * the sweeper's cursor); quarantined drops' files are kept.
 */
export async function blobRemoved(db: pg.Pool | pg.PoolClient, batchId: string): Promise<boolean> {
  const r = await db.query<{ removed: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM batches b JOIN retention_state s ON s.what = 'blobs'
        WHERE b.id = $1 AND b.state <> 'quarantined'
          AND (b.received_at, b.id) <= (s.cursor_at, s.cursor_id)) AS removed`,
    [batchId],
  );
  return r.rows[0]?.removed ?? false;
}
