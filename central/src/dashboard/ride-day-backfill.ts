import type pg from 'pg';
import { ADVISORY_LOCK } from '../db/advisory-locks.ts';
import { withSessionLockOrSkip } from '../db/session-lock.ts';
import { RIDE_PAGE_MAX_DAYS } from './dashboard-schemas.ts';
import { parkLocalDays } from './park-local-days.ts';
import { RIDE_DAY_FORMAT, rideDays } from './ride-day-store.ts';

/** Advisory lock (session) held by the one replica keeping days; the others skip the round. */
const BACKFILL_LOCK = ADVISORY_LOCK.rideDayBackfill;

// Rides with a drop in the last year whose page-year is not known to be current (no row in
// ride_year_kept for the park's zone and these figure queries) or that have no day kept in
// the park's zone at all (the days were removed), the ones with the newest drop first (the
// likeliest to be looked at). One index probe per ride for each test: OFFSET 0 keeps the
// kept-days test a probe, where an anti-join would read the whole table (366 rows per ride)
// every minute.
const NEXT_SQL = `
  SELECT r.park_id, r.id, p.timezone
    FROM rides r JOIN parks p ON p.id = r.park_id
   CROSS JOIN LATERAL (
     SELECT b.window_end FROM batches b
      WHERE b.park_id = r.park_id AND b.ride_id = r.id
      ORDER BY b.window_end DESC LIMIT 1) newest
    LEFT JOIN ride_year_kept k ON k.park_id = r.park_id AND k.ride_id = r.id
   WHERE newest.window_end > $1
     AND (k.format IS DISTINCT FROM $3 OR k.timezone <> p.timezone
          OR NOT EXISTS (SELECT 1 FROM ride_day_figures f
                          WHERE f.park_id = r.park_id AND f.ride_id = r.id
                            AND f.timezone = p.timezone
                         OFFSET 0))
   ORDER BY newest.window_end DESC
   LIMIT $2`;

/**
 * Computes and keeps the year of days of up to `rides` rides whose year is not kept (a ride
 * nobody has viewed in a year page since the upgrade that added kept days, since its park
 * changed zone, or since a release changed how a figure is counted), so that the first
 * engineer to open its page waits for one day, not a year (≈ 0.7 s of database time per ride;
 * a ride whose days only need checking costs its fingerprints). Only one replica does it at a
 * time; returns the rides done.
 */
export async function keepDaysOfUnviewedRides(
  pool: pg.Pool,
  rides: number,
  nowMs = Date.now(),
): Promise<number> {
  if (rides <= 0) return 0;
  // One replica at a time; a lost connection fails this round, as the maintenance loop expects.
  const done = await withSessionLockOrSkip(pool, BACKFILL_LOCK, async () => {
    const next = await pool.query<{ park_id: string; id: string; timezone: string }>(NEXT_SQL, [
      new Date(nowMs - RIDE_PAGE_MAX_DAYS * 86_400_000),
      rides,
      RIDE_DAY_FORMAT,
    ]);
    for (const r of next.rows) {
      await rideDays(
        pool,
        { park: r.park_id, ride: r.id, timezone: r.timezone },
        parkLocalDays(r.timezone, RIDE_PAGE_MAX_DAYS, nowMs),
      );
    }
    return next.rows.length;
  });
  return done ?? 0;
}
