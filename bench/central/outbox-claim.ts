/**
 * The outbox claim (central/src/queue/outbox-claim.ts) as a park catching up makes it: one
 * park with thousands of postprocess rows held behind its share, beside many live parks with
 * a row or three waiting each. The claim runs after every commit, so its cost at this size
 * is paid by every park's puts. Each step adds rows and times the claim (in a transaction
 * rolled back, so nothing is taken) on a fresh, migrated database.
 *
 *   node_modules/.bin/tsx bench/central/outbox-claim.ts [--live-parks 500] [--rounds 30]
 */
import { parseArgs } from 'node:util';
import { createLogger, createPark, createPool, runMigrations } from '@zra/central';
import type pg from 'pg';
import { claimOutboxRows } from '../../central/src/queue/outbox-claim.ts';
import { createTestDatabase } from '../../scripts/harness/postgres.ts';
import { median, percentile } from '../lib/stats.ts';
import { addSyntheticBatches, holdRows } from './synthetic-batches.ts';

const { values: flags } = parseArgs({
  options: {
    'live-parks': { type: 'string', default: '500' },
    rounds: { type: 'string', default: '30' },
  },
});
const liveParks = Number(flags['live-parks']);
const rounds = Number(flags.rounds);
// The defaults: PARK_QUEUE_SHARE 1, a publisher's batch of 100, the stuck-job limit.
const LIMITS = { batchSize: 100, parkShare: 1, inFlightMs: 15 * 60_000 };

const db = await createTestDatabase('bench_outbox_claim');
const pool = createPool(db.url, createLogger('silent'));

/** The claim timed `rounds` times on one connection, each in a transaction rolled back. */
async function timeClaim(what: string): Promise<void> {
  await pool.query('VACUUM ANALYZE outbox');
  await pool.query('ANALYZE batches');
  const c: pg.PoolClient = await pool.connect();
  const ms: number[] = [];
  let claimed = 0;
  try {
    for (let i = 0; i < rounds; i++) {
      await c.query('BEGIN');
      const started = performance.now();
      claimed = (await claimOutboxRows(c, LIMITS)).length;
      ms.push(performance.now() - started);
      await c.query('ROLLBACK');
    }
  } finally {
    c.release();
  }
  process.stdout.write(
    `${what}: ${claimed} claimed, p50 ${median(ms).toFixed(2)} ms, p95 ${percentile(ms, 0.95).toFixed(2)} ms\n`,
  );
}

try {
  await runMigrations(db.url, createLogger('warn'));
  const parks = ['catching-up', ...Array.from({ length: liveParks }, (_, i) => `live-${i}`)];
  for (const park of parks) {
    await createPark(pool, { id: park, name: park, timezone: 'Europe/Rome' });
    await pool.query(
      `INSERT INTO rides (park_id, id, model, name) VALUES ($1, 'ride-1', 'discovery-revolution', 'Ride')`,
      [park],
    );
  }
  // Every live park has one row waiting; the catching-up park has its share in flight.
  for (const park of parks.slice(1)) await addSyntheticBatches(pool, park, 1, 'stored', true);
  await holdRows(pool, 'catching-up', 0);
  let held = 0;
  for (const target of [0, 1_000, 5_000, 20_000]) {
    await addSyntheticBatches(pool, 'catching-up', target - held, 'stored', true);
    held = target;
    await timeClaim(`${liveParks} live parks waiting one each, ${held} rows held`);
  }
  for (const park of parks.slice(1)) await addSyntheticBatches(pool, park, 2, 'stored', true);
  await timeClaim(`${liveParks} live parks waiting three each, ${held} rows held`);
} finally {
  await pool.end();
  await db.drop();
}
