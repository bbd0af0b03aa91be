import type pg from 'pg';

/**
 * Published outbox rows are kept this long, for looking into a delivery (`attempts`,
 * `last_error`), then removed: nothing reads them after publishing, and kept for good they
 * were a row per drop and per report forever (about 0.5 MB per ride-year, docs/performance.md).
 */
export const OUTBOX_KEEP_MS = 7 * 86_400_000;

/** Rows read per statement: short transactions, short locks. */
const CHUNK = 5_000;

/**
 * Removes the rows published more than `OUTBOX_KEEP_MS` before `nowMs`, oldest first, a chunk
 * of rows per statement; unpublished rows stay however old. Rows are written in id order and
 * published after they are written, so it stops at the first chunk with nothing to remove
 * rather than reading every row younger than the week; anything it leaves goes in a later
 * round. Returns how many rows were removed.
 */
export async function pruneOutbox(
  pool: pg.Pool,
  nowMs = Date.now(),
  chunk = CHUNK,
): Promise<number> {
  const before = new Date(nowMs - OUTBOX_KEEP_MS);
  let removed = 0;
  let after = '0';
  for (;;) {
    const r = await pool.query<{ last: string | null; removed: number }>(
      `WITH head AS (
         SELECT id, published_at FROM outbox WHERE id > $2::bigint ORDER BY id LIMIT $3
       ), gone AS (
         DELETE FROM outbox o USING head h
          WHERE o.id = h.id AND h.published_at < $1 RETURNING o.id
       )
       SELECT (SELECT max(id)::text FROM head) AS last, (SELECT count(*)::int FROM gone) AS removed`,
      [before, after, chunk],
    );
    const row = r.rows[0];
    if (!row?.last || row.removed === 0) return removed;
    removed += row.removed;
    after = row.last;
  }
}
