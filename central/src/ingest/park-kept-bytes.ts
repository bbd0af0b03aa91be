import type pg from 'pg';

/**
 * Folds the (park, ±bytes) rows that the triggers of migration `park-kept-bytes` append into
 * one row per park, in one statement: a reader sees either the rows or their sum, and rows
 * committed meanwhile stay for the next fold. Parks that keep nothing lose their row. Returns
 * how many rows it folded.
 */
export async function foldParkKeptBytes(db: pg.Pool | pg.PoolClient): Promise<number> {
  const r = await db.query<{ folded: number }>(
    `WITH gone AS (DELETE FROM park_kept_bytes RETURNING park_id, bytes),
          kept AS (INSERT INTO park_kept_bytes (park_id, bytes)
                   SELECT park_id, sum(bytes) FROM gone GROUP BY park_id HAVING sum(bytes) <> 0)
     SELECT count(*)::int AS folded FROM gone`,
  );
  return r.rows[0]?.folded ?? 0;
}
