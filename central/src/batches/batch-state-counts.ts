import type pg from 'pg';
import { foldCounterRows } from '../db/fold-counter-rows.ts';

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

/** Folds the rows the triggers appended into one per state ({@link foldCounterRows}). */
export function foldBatchStateCounts(db: pg.Pool | pg.PoolClient): Promise<number> {
  return foldCounterRows(db, { table: 'batch_state_counts', key: 'state', value: 'n' });
}
