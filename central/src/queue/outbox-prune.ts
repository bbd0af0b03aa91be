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
 * of rows per statement; unpublished rows stay however old. A row is published after it is
 * written, so one written within the week cannot be due yet, and rows are written in id order:
 * it stops at the first chunk holding a row written within the week, rather than reading every
 * younger row. It does not stop at a chunk with nothing to remove: a chunk of rows left
 * unpublished for over a week (a queue that was refused for days) would otherwise hide every
 * published row behind it from every later round. Returns how many rows were removed.
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
    const r = await pool.query<{ last: string | null; removed: number; young: boolean | null }>(
      `WITH head AS (
         SELECT id, created_at, published_at FROM outbox WHERE id > $2::bigint ORDER BY id LIMIT $3
       ), gone AS (
         DELETE FROM outbox o USING head h
          WHERE o.id = h.id AND h.published_at < $1 RETURNING o.id
       )
       SELECT (SELECT max(id)::text FROM head) AS last,
              (SELECT count(*)::int FROM gone) AS removed,
              (SELECT bool_or(created_at >= $1) FROM head) AS young`,
      [before, after, chunk],
    );
    const row = r.rows[0];
    removed += row?.removed ?? 0;
    if (!row?.last || row.young !== false) return removed;
    after = row.last;
  }
}
