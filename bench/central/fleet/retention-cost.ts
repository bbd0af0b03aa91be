import pg from 'pg';
import { BlobStore } from '../../../central/src/blob/blob-store.ts';
import { createLogger } from '../../../central/src/logger.ts';
import { sweepRetention } from '../../../central/src/retention/retention-sweeper.ts';

/** What removing the oldest days of per-cycle rows cost, beside dropping a table of them. */
export interface RetentionCost {
  days: number;
  rideDays: number;
  batches: number;
  cycleRows: number;
  /** The real sweeper (chunked DELETEs, the cursor, in transactions of 500 batches). */
  sweepS: number;
  /** DROP TABLE of a table holding the same cycle rows: what a monthly partition would cost. */
  dropTableS: number;
}

/**
 * Destructive: removes the per-cycle rows of the oldest `days` days of the seeded history with
 * the production sweeper, and times it. Before that it copies those cycle rows into a table of
 * their own and times dropping it, the cost of retention by partition (DETACH + DROP).
 */
export async function measureRetention(
  pool: pg.Pool,
  url: string,
  blobDir: string,
  days: number,
): Promise<RetentionCost> {
  const oldest = await pool.query<{ t: Date }>('SELECT min(received_at) AS t FROM batches');
  const from = oldest.rows[0]?.t;
  if (!from) throw new Error('no batches to remove');
  const cutoff = new Date(from.getTime() + days * 86_400_000);
  const scope = await pool.query<{ batches: number; ride_days: number; cycles: number }>(
    `SELECT count(*)::int AS batches,
            count(DISTINCT (park_id, ride_id, date_trunc('day', window_start)))::int AS ride_days,
            (SELECT count(*)::int FROM cycles c JOIN batches b2 ON b2.id = c.batch_id
              WHERE b2.received_at < $1) AS cycles
       FROM batches WHERE received_at < $1`,
    [cutoff],
  );
  const s = scope.rows[0];
  // A stand-in for a monthly partition: the same rows in a table of their own (its own
  // connection: the copy outlasts the pool's statement timeout).
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  let dropTableS: number;
  let t: number;
  try {
    await c.query('DROP TABLE IF EXISTS fleet_bench_partition_standin');
    await c.query(
      `CREATE TABLE fleet_bench_partition_standin AS
       SELECT c.* FROM cycles c JOIN batches b ON b.id = c.batch_id WHERE b.received_at < $1`,
      [cutoff],
    );
    t = performance.now();
    await c.query('DROP TABLE fleet_bench_partition_standin');
    dropTableS = (performance.now() - t) / 1000;
  } finally {
    await c.end();
  }
  const blobs = new BlobStore(blobDir);
  t = performance.now();
  await sweepRetention(
    pool,
    blobs,
    // The sweeper's horizon is now − cyclesMs − 1 h: put it at the cutoff.
    { cyclesMs: Date.now() - cutoff.getTime() - 3_600_000, blobsMs: null },
    createLogger('silent'),
  );
  const sweepS = (performance.now() - t) / 1000;
  return {
    days,
    rideDays: s?.ride_days ?? 0,
    batches: s?.batches ?? 0,
    cycleRows: s?.cycles ?? 0,
    sweepS,
    dropTableS,
  };
}
