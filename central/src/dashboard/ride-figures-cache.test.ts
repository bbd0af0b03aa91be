import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../blob/blob-store.ts';
import { createPool } from '../db/pool.ts';
import { refuseStoredDrop } from '../ingest/commit-drop.ts';
import { createLogger } from '../logger.ts';
import { sweepRetention } from '../retention/retention-sweeper.ts';
import {
  fleetParkId,
  fleetRideId,
  SEEDED_NOW,
  oneParkSeed,
  seedFleet,
} from '../testing/fleet-seed.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import type { RideDetail, RideInput } from './dashboard-schemas.ts';
import { rideDetail } from './ride-detail.ts';
import { cachedRideFigures, type RideFigures } from './ride-figures-cache.ts';

let env: TestEnvironment;
const DAY = 86_400_000;
const NOW = SEEDED_NOW;
const log = createLogger('silent');
const page: RideInput = { park: fleetParkId(1), ride: fleetRideId(1), days: 30 };

beforeAll(async () => {
  env = await createTestEnvironment('ride_figures_cache');
  await seedFleet(env.pool, oneParkSeed(new Date(NOW)));
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
});

/** The page as a process that never computed it would answer now (its own pool). */
async function computedAfresh(input: RideInput): Promise<RideDetail> {
  const pool = createPool(env.config.databaseUrl, log, 4);
  try {
    return await rideDetail(pool, input, NOW);
  } finally {
    await pool.end();
  }
}

/** The ride's figures only (the agent part is live, never kept). */
const figuresOf = (d: RideDetail) => ({
  days: d.days,
  topAlarms: d.topAlarms,
  channels: d.channels,
});

async function liveBatchesWithCycles(): Promise<string[]> {
  const r = await env.pool.query<{ id: string }>(
    `SELECT b.id FROM batches b
      WHERE b.park_id = $1 AND b.ride_id = $2 AND b.superseded_by IS NULL
        AND b.processed_at IS NOT NULL AND b.window_start > $3
        AND EXISTS (SELECT 1 FROM cycles c WHERE c.batch_id = b.id)
      ORDER BY b.window_start DESC LIMIT 3`,
    [page.park, page.ride, new Date(NOW - 5 * DAY)],
  );
  return r.rows.map((row) => row.id);
}

describe('the ride page keeps its figures per version of the ride’s data', () => {
  it('computes a page once while the data is unchanged, once for concurrent viewers, and again after any change to the ride’s batches', async () => {
    let computed = 0;
    const figures: RideFigures = { days: [], topAlarms: [], channels: [] };
    const compute = async () => {
      computed += 1;
      await new Promise((r) => setTimeout(r, 50));
      return figures;
    };
    const ride = { park: page.park, ride: page.ride, key: 'counting' };
    await Promise.all([1, 2, 3].map(() => cachedRideFigures(env.pool, ride, compute)));
    expect(computed).toBe(1);
    await cachedRideFigures(env.pool, ride, compute);
    expect(computed).toBe(1);

    // Any write to one of the ride's batch rows is a new version; another ride's is not.
    await env.pool.query(
      'UPDATE batches SET updated_at = updated_at WHERE park_id = $1 AND ride_id = $2 AND id = (SELECT id FROM batches WHERE park_id = $1 AND ride_id = $3 LIMIT 1)',
      [page.park, fleetRideId(2), fleetRideId(2)],
    );
    await cachedRideFigures(env.pool, ride, compute);
    expect(computed).toBe(1);
    await env.pool.query(
      'UPDATE batches SET updated_at = updated_at WHERE id = (SELECT id FROM batches WHERE park_id = $1 AND ride_id = $2 LIMIT 1)',
      [page.park, page.ride],
    );
    await cachedRideFigures(env.pool, ride, compute);
    expect(computed).toBe(2);
  });

  it('does not keep a computation that failed: the next viewer computes again', async () => {
    const ride = { park: page.park, ride: page.ride, key: 'failing' };
    await expect(
      cachedRideFigures(env.pool, ride, () => Promise.reject(new Error('database gone'))),
    ).rejects.toThrow('database gone');
    const figures: RideFigures = { days: [], topAlarms: [], channels: [] };
    await expect(cachedRideFigures(env.pool, ride, () => Promise.resolve(figures))).resolves.toBe(
      figures,
    );
  });

  it('answers exactly what a fresh computation answers, after a drop is refused late and after retention removes cycles', async () => {
    const first = await rideDetail(env.pool, page, NOW);
    expect(figuresOf(first)).toEqual(figuresOf(await computedAfresh(page)));
    expect(first.days.reduce((s, d) => s + d.cycles, 0)).toBeGreaterThan(0);

    // The postprocess job's full check refuses a stored drop after commit: it stops counting.
    const [refused] = await liveBatchesWithCycles();
    if (!refused) throw new Error('the seed has no recent live batch with cycles');
    await refuseStoredDrop(env.pool, refused, { code: 'zip_corrupt', reason: 'test' });
    const afterRefusal = await rideDetail(env.pool, page, NOW);
    expect(figuresOf(afterRefusal)).not.toEqual(figuresOf(first));
    expect(figuresOf(afterRefusal)).toEqual(figuresOf(await computedAfresh(page)));

    // Retention removes the per-cycle rows of drops older than 20 days, not touching batches.
    const blobs = new BlobStore(env.config.blobDir);
    await blobs.init();
    const swept = await sweepRetention(
      env.pool,
      blobs,
      { cyclesMs: 20 * DAY, blobsMs: null },
      log,
      NOW,
    );
    expect(swept.cycles).toBeGreaterThan(0);
    const afterRetention = await rideDetail(env.pool, page, NOW);
    expect(figuresOf(afterRetention)).not.toEqual(figuresOf(afterRefusal));
    expect(figuresOf(afterRetention)).toEqual(figuresOf(await computedAfresh(page)));
  });
});
