import type pg from 'pg';

/** A table of (key, ±value) rows that statement triggers append to (inserts only). */
export type CounterTable =
  | { table: 'batch_state_counts'; key: 'state'; value: 'n' }
  | { table: 'park_kept_bytes'; key: 'park_id'; value: 'bytes' };

/**
 * Folds the rows the triggers appended into one per key, in one statement: a reader sees
 * either the rows or their sum. Rows committed meanwhile are not in this statement's snapshot,
 * stay, and are folded next time. A key whose sum is zero loses its row. Returns how many rows
 * it folded.
 */
export async function foldCounterRows(
  db: pg.Pool | pg.PoolClient,
  { table, key, value }: CounterTable,
): Promise<number> {
  // Identifiers from the type above, never from input.
  const r = await db.query<{ folded: number }>(
    `WITH gone AS (DELETE FROM ${table} RETURNING ${key}, ${value}),
          kept AS (INSERT INTO ${table} (${key}, ${value})
                   SELECT ${key}, sum(${value}) FROM gone GROUP BY ${key} HAVING sum(${value}) <> 0)
     SELECT count(*)::int AS folded FROM gone`,
  );
  return r.rows[0]?.folded ?? 0;
}
