import type pg from 'pg';
import { foldCounterRows } from '../db/fold-counter-rows.ts';

/**
 * Folds the (park, ±bytes) rows that the triggers of migration `park-kept-bytes` append into
 * one row per park ({@link foldCounterRows}); parks that keep nothing lose their row.
 */
export function foldParkKeptBytes(db: pg.Pool | pg.PoolClient): Promise<number> {
  return foldCounterRows(db, { table: 'park_kept_bytes', key: 'park_id', value: 'bytes' });
}
