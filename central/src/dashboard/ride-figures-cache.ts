import type pg from 'pg';
import type { RideDetail } from './dashboard-schemas.ts';

/** What the ride page computes from the ride's stored data (not the agent's live state). */
export type RideFigures = Pick<RideDetail, 'days' | 'topAlarms' | 'channels'>;

/** Ride pages kept per pool (one per API process): a year page is a few tens of kilobytes. */
export const RIDE_FIGURES_KEPT = 256;

interface Entry {
  version: string;
  figures: Promise<RideFigures>;
}

// Per pool, so two databases (tests, the demo beside a bench) never share an entry.
const caches = new WeakMap<pg.Pool, Map<string, Entry>>();

/*
 * Everything the ride page's figures read belongs to the ride's batches: their rows (window,
 * state, revision, processed), and the cycles and alarms the postprocess job writes in the
 * same transaction as it marks a batch processed. Any change to a batch row gives it a new
 * xmin, and a batch added or deleted changes the count, so the two together change whenever
 * the figures may. The retention sweeper deletes cycles without touching batches: its
 * progress is part of the version too. Read before the figures are computed: a change that
 * lands in between makes the next request compute again, never keeps old figures.
 */
const VERSION_SQL = `
  SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) || ':' ||
         coalesce((SELECT string_agg(what || '@' || cursor_at || '/' || cursor_id, ','
                                     ORDER BY what)
                     FROM retention_state), '') AS version
    FROM batches WHERE park_id = $1 AND ride_id = $2`;

/**
 * The ride's figures for the days of `key`, computed once per version of the ride's data and
 * shared: even from the kept days (ride-day-store.ts) a ride-year is ≈ 60 ms of checking and
 * reading them, and its data changes about once an hour (one drop per ride-window), so a page
 * viewed again, or by a second engineer, is answered from what was computed, exactly as it
 * would be computed now. Concurrent requests for the
 * same page share one computation; a computation that fails is not kept.
 */
export async function cachedRideFigures(
  pool: pg.Pool,
  ride: { park: string; ride: string; key: string },
  compute: () => Promise<RideFigures>,
): Promise<RideFigures> {
  const v = await pool.query<{ version: string }>(VERSION_SQL, [ride.park, ride.ride]);
  const version = v.rows[0]?.version ?? '';
  let cache = caches.get(pool);
  if (!cache) {
    cache = new Map();
    caches.set(pool, cache);
  }
  const key = `${ride.park}\u0000${ride.ride}\u0000${ride.key}`;
  const kept = cache.get(key);
  // Map keeps insertion order: moving a used entry to the end makes the first the least used.
  cache.delete(key);
  if (kept && kept.version === version) {
    cache.set(key, kept);
    return kept.figures;
  }
  const entry: Entry = { version, figures: compute() };
  cache.set(key, entry);
  const forget = () => {
    if (cache.get(key) === entry) cache.delete(key);
  };
  entry.figures.catch(forget);
  for (const oldest of cache.keys()) {
    if (cache.size <= RIDE_FIGURES_KEPT) break;
    cache.delete(oldest);
  }
  return entry.figures;
}
