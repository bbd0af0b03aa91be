import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../blob/blob-store.ts';
import { ADVISORY_LOCK } from '../db/advisory-locks.ts';
import { createLogger } from '../logger.ts';
import { startMaintenance } from '../retention/maintenance.ts';
import { fleetParkId, fleetRideId, SEEDED_NOW, seedOnePark } from '../testing/fleet-seed.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { parkLocalDays } from './park-local-days.ts';
import { keepDaysOfUnviewedRides } from './ride-day-backfill.ts';
import { rideDays } from './ride-day-store.ts';

let env: TestEnvironment;
const NOW = SEEDED_NOW;
const PARK = fleetParkId(1);
const RIDES = [fleetRideId(1), fleetRideId(2)];
let timezone = '';

beforeAll(async () => {
  env = await createTestEnvironment('ride_day_backfill');
  timezone = await seedOnePark(env.pool, NOW);
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
});

/** Kept days per ride of the park. */
async function keptDays(): Promise<Record<string, number>> {
  const r = await env.pool.query<{ ride_id: string; n: number }>(
    `SELECT ride_id, count(*)::int AS n FROM ride_day_figures WHERE park_id = $1 GROUP BY ride_id`,
    [PARK],
  );
  return Object.fromEntries(r.rows.map((row) => [row.ride_id, row.n]));
}

/** Each ride's year page finds every day kept and current. */
async function expectYearViewsComputeNothing(): Promise<void> {
  for (const ride of RIDES) {
    const days = parkLocalDays(timezone, 366, NOW);
    const viewed = await rideDays(env.pool, { park: PARK, ride, timezone }, days);
    expect(viewed.computed, ride).toEqual([]);
  }
}

describe('keeping the days of rides nobody has viewed yet', () => {
  it('keeps a year of days per ride, as many rides a round as asked, then finds nothing to do', async () => {
    await env.pool.query('DELETE FROM ride_day_figures');
    expect(await keepDaysOfUnviewedRides(env.pool, 1, NOW)).toBe(1);
    expect(Object.values(await keptDays())).toEqual([366]);
    expect(await keepDaysOfUnviewedRides(env.pool, 5, NOW)).toBe(1);
    expect(await keptDays()).toEqual({ [RIDES[0] ?? '']: 366, [RIDES[1] ?? '']: 366 });
    expect(await keepDaysOfUnviewedRides(env.pool, 5, NOW)).toBe(0);
    // What it kept is what a page would have computed: its first view computes nothing.
    await expectYearViewsComputeNothing();
  });

  it('keeps every year again after a release that changes how a figure is counted', async () => {
    await keepDaysOfUnviewedRides(env.pool, 5, NOW);
    expect(await keepDaysOfUnviewedRides(env.pool, 5, NOW)).toBe(0);
    // What an older release left: its days, fingerprinted with its own figure queries.
    await env.pool.query("UPDATE ride_year_kept SET format = 'an older release'");
    await env.pool.query("UPDATE ride_day_figures SET deps = 'an older release:' || deps");

    expect(await keepDaysOfUnviewedRides(env.pool, 5, NOW)).toBe(2);
    expect(await keepDaysOfUnviewedRides(env.pool, 5, NOW)).toBe(0);
    await expectYearViewsComputeNothing();
  });

  it('keeps the rest of the year of a ride seen only in a shorter page', async () => {
    await env.pool.query('DELETE FROM ride_day_figures');
    await env.pool.query('DELETE FROM ride_year_kept');
    const ride = { park: PARK, ride: RIDES[0] ?? '', timezone };
    const month = await rideDays(env.pool, ride, parkLocalDays(timezone, 30, NOW));
    expect(month.computed).toHaveLength(30);

    expect(await keepDaysOfUnviewedRides(env.pool, 5, NOW)).toBe(2);
    const year = await rideDays(env.pool, ride, parkLocalDays(timezone, 366, NOW));
    expect(year.computed).toEqual([]);
  });

  it('leaves the round to the replica that holds the lock', async () => {
    await env.pool.query('DELETE FROM ride_day_figures');
    const other = await env.pool.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1, $2)', [...ADVISORY_LOCK.rideDayBackfill]);
      expect(await keepDaysOfUnviewedRides(env.pool, 5, NOW)).toBe(0);
      expect(await keptDays()).toEqual({});
      await other.query('SELECT pg_advisory_unlock($1, $2)', [...ADVISORY_LOCK.rideDayBackfill]);
    } finally {
      other.release();
    }
    expect(await keepDaysOfUnviewedRides(env.pool, 5, NOW)).toBe(2);
  });

  it('runs in the maintenance loop of serve', async () => {
    await env.pool.query('DELETE FROM ride_day_figures');
    const blobs = new BlobStore(env.config.blobDir);
    await blobs.init();
    const loop = startMaintenance({
      pool: env.pool,
      blobs,
      retention: { cyclesMs: null, blobsMs: null },
      rideDaysPerMinute: 1,
      log: createLogger('silent'),
      foldEveryMs: 20,
    });
    try {
      await waitFor(
        'both rides to have their days kept',
        async () => Object.keys(await keptDays()).length === 2,
        { timeoutMs: 30_000 },
      );
    } finally {
      await loop.stop();
    }
  });
});
