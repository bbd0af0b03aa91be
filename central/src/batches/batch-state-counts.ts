import type pg from 'pg';

/**
 * Batches per state from the counts the triggers of migration `batch-state-counts` keep (a few
 * rows), instead of counting a table that grows by every drop of every park. States with no
 * batch are left out, as `GROUP BY state` leaves them out.
 */
export async function batchStateCounts(
  db: pg.Pool | pg.PoolClient,
): Promise<{ state: string; n: number }[]> {
  const r = await db.query<{ state: string; n: number }>(
    `SELECT state, sum(n)::int AS n FROM batch_state_counts GROUP BY state HAVING sum(n) <> 0`,
  );
  return r.rows;
}

/**
 * Folds the rows the triggers appended into one per state, in one statement: a reader sees
 * either the rows or their sum. Rows committed meanwhile are not in this statement's snapshot,
 * stay, and are folded next time. Returns how many rows it folded.
 */
export async function foldBatchStateCounts(db: pg.Pool | pg.PoolClient): Promise<number> {
  const r = await db.query<{ folded: number }>(
    `WITH gone AS (DELETE FROM batch_state_counts RETURNING state, n),
          kept AS (INSERT INTO batch_state_counts (state, n)
                   SELECT state, sum(n) FROM gone GROUP BY state HAVING sum(n) <> 0)
     SELECT count(*)::int AS folded FROM gone`,
  );
  return r.rows[0]?.folded ?? 0;
}
