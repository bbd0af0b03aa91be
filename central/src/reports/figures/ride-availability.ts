import type pg from 'pg';
import { figureParams, type FigureScope } from './figure-scope.ts';
import { ALARM_OCCURRENCES, DOWNTIME_SEVERITIES, LIVE_BATCHES, seconds } from './live-content.ts';

/** A ride's time with data in a bucket and its downtime within it. */
export interface RideAvailability {
  bucket: number;
  park: string;
  ride: string;
  /** Minutes of the bucket that the ride's live windows cover. */
  coveredMinutes: number;
  /** Minutes of those during which a `fault` or `critical` occurrence was active. */
  faultMinutes: number;
}

/*
 * The same rule as ride-hours.ts without the cycles, for screens that only show availability
 * (fleet, park): the union of the live windows within the bucket, and the union of the fault
 * and critical occurrences' active spans within that.
 */
const SQL = `
  WITH ${LIVE_BATCHES}, ${ALARM_OCCURRENCES},
  cover AS (
    SELECT k.i, l.park_id, l.ride_id,
           range_agg(tstzrange(l.window_start, l.window_end))
             * tstzmultirange(tstzrange(min(k.b_start), min(k.b_end))) AS m
      FROM live l
      JOIN bucket k ON k.park_id = l.park_id
       AND l.window_start < k.b_end AND l.window_end > k.b_start
     GROUP BY k.i, l.park_id, l.ride_id),
  fault AS (
    SELECT k.i, o.park_id, o.ride_id, range_agg(f.r) AS m
      FROM occurrence o
     CROSS JOIN LATERAL unnest(o.active) AS f(r)
      JOIN bucket k ON k.park_id = o.park_id AND lower(f.r) < k.b_end AND upper(f.r) > k.b_start
     WHERE o.severity IN ${DOWNTIME_SEVERITIES}
     GROUP BY k.i, o.park_id, o.ride_id)
  SELECT c.i, c.park_id, c.ride_id,
         ${seconds('c.m')} AS covered_s, ${seconds('c.m * f.m')} AS fault_s
    FROM cover c LEFT JOIN fault f USING (i, park_id, ride_id)
   WHERE NOT isempty(c.m)
   ORDER BY c.i, c.park_id, c.ride_id`;

/** Per bucket and ride with data: covered and fault minutes (availability = 1 - fault/covered). */
export async function rideAvailability(
  pool: pg.Pool,
  scope: FigureScope,
): Promise<RideAvailability[]> {
  if (scope.buckets.length === 0) return [];
  const r = await pool.query<{
    i: number;
    park_id: string;
    ride_id: string;
    covered_s: number;
    fault_s: number;
  }>(SQL, figureParams(scope));
  return r.rows.map((row) => ({
    bucket: row.i - 1,
    park: row.park_id,
    ride: row.ride_id,
    coveredMinutes: row.covered_s / 60,
    faultMinutes: row.fault_s / 60,
  }));
}
