import type pg from 'pg';
import { figureParams, type FigureScope } from './figure-scope.ts';
import {
  ALARM_OCCURRENCES,
  DOWNTIME_SEVERITIES,
  LIVE_BATCHES,
  LIVE_CYCLES,
  seconds,
} from './live-content.ts';

/** One ride's figures for one UTC hour, clipped to a bucket. */
export interface RideHour {
  /** Index of the bucket in the scope. */
  bucket: number;
  park: string;
  ride: string;
  hourStart: Date;
  cycles: number;
  riders: number;
  completed: number;
  aborted: number;
  estop: number;
  /** Minutes of the hour inside the bucket that some live window covers (the data's span). */
  coveredMinutes: number;
  /** Minutes of those covered by `auto` cycles. */
  autoMinutes: number;
  /** Minutes of those during which a `fault` or `critical` alarm occurrence was active. */
  faultMinutes: number;
  /** `1 - faultMinutes / coveredMinutes`. */
  availability: number;
}

/*
 * A slot is (bucket, ride, UTC hour) where the ride's live windows cover part of the hour
 * inside the bucket. Every piece of content is cut at hour boundaries and tagged with its
 * slot: live windows (the covered time), cycles (counted in the slot where they start; auto
 * ones also cover time) and the active spans of fault and critical occurrences. One grouping
 * then takes the union of each kind per slot, so overlapping windows, repeated alarm rows
 * and a bucket edge at :30 are all counted once and exactly. (Grouping, not joining: the
 * planner cannot estimate these sets, and a join guessed wrong reads every cycle per slot.)
 *
 * A piece meets the buckets it overlaps through the hours both touch (`bucket_hour`, an
 * equality join), not by comparing it with every bucket of its park: a ride's year is 366
 * day buckets, and comparing 25,000 cycles with each of them was most of the page's time.
 * The hours of the part of a piece inside a bucket are exactly the hours the piece and the
 * bucket both touch, once the two overlap (each touches hour H: both start before H + 1 h
 * and end at or after H, so their overlap does too). Pieces are cut to the scope's span
 * first, so a piece far longer than the scope generates no more hours than the scope has.
 */
const hoursOf = (from: string, to: string) =>
  `generate_series(date_trunc('hour', ${from}, 'UTC'), ${to}, interval '1 hour')`;

/** Hours of `[lo, hi)` cut to the scope's span (`$5`, `$6`). */
const scopeHoursOf = (lo: string, hi: string) =>
  hoursOf(
    `greatest(${lo}, $5::timestamptz)`,
    `least(${hi}, $6::timestamptz) - interval '1 microsecond'`,
  );

export const RIDE_HOURS_SQL = `
  WITH ${LIVE_BATCHES}, ${LIVE_CYCLES}, ${ALARM_OCCURRENCES},
  bucket_hour AS MATERIALIZED (
    SELECT k.i, k.park_id, k.b_start, k.b_end, h.h
      FROM bucket k
     CROSS JOIN LATERAL ${hoursOf('k.b_start', "k.b_end - interval '1 microsecond'")} AS h(h)),
  piece AS (
    SELECT k.i, l.park_id, l.ride_id, l.h AS hour_start, k.b_start, k.b_end,
           tstzrange(l.window_start, l.window_end) AS win, NULL::tstzrange AS auto,
           NULL::tstzrange AS fault, NULL::text AS outcome, NULL::int AS riders
      FROM (SELECT l.*, h.h FROM live l
             CROSS JOIN LATERAL ${scopeHoursOf('l.window_start', 'l.window_end')} AS h(h)
            OFFSET 0) l
      JOIN bucket_hour k ON k.park_id = l.park_id AND k.h = l.h
       AND l.window_start < k.b_end AND l.window_end > k.b_start
    UNION ALL
    SELECT k.i, c.park_id, c.ride_id, c.h, k.b_start, k.b_end, NULL,
           CASE WHEN c.mode = 'auto' THEN tstzrange(c.start_at, c.end_at) END, NULL,
           CASE WHEN c.start_at >= k.b_start AND c.start_at < k.b_end
                 AND c.h = date_trunc('hour', c.start_at, 'UTC') THEN c.outcome END,
           c.riders
      FROM (SELECT c.*, h.h FROM cycle c
             CROSS JOIN LATERAL ${hoursOf(
               'greatest(c.start_at, $5::timestamptz)',
               "least(c.end_at, $6::timestamptz - interval '1 microsecond')",
             )} AS h(h)
             WHERE c.start_at < $6::timestamptz AND c.end_at >= $5::timestamptz
            OFFSET 0) c
      JOIN bucket_hour k ON k.park_id = c.park_id AND k.h = c.h
       AND c.start_at < k.b_end AND c.end_at >= k.b_start
    UNION ALL
    SELECT k.i, o.park_id, o.ride_id, o.h, k.b_start, k.b_end, NULL, NULL, o.r, NULL, NULL
      FROM (SELECT o.park_id, o.ride_id, f.r, h.h FROM occurrence o
             CROSS JOIN LATERAL unnest(o.active) AS f(r)
             CROSS JOIN LATERAL ${scopeHoursOf('lower(f.r)', 'upper(f.r)')} AS h(h)
             WHERE o.severity IN ${DOWNTIME_SEVERITIES}
            OFFSET 0) o
      JOIN bucket_hour k ON k.park_id = o.park_id AND k.h = o.h
       AND lower(o.r) < k.b_end AND upper(o.r) > k.b_start),
  slot AS (
    SELECT i, park_id, ride_id, hour_start,
           range_agg(win) FILTER (WHERE win IS NOT NULL)
             * tstzmultirange(tstzrange(greatest(hour_start, min(b_start)),
                                        least(hour_start + interval '1 hour', min(b_end))))
             AS covered,
           range_agg(auto) FILTER (WHERE auto IS NOT NULL) AS auto,
           range_agg(fault) FILTER (WHERE fault IS NOT NULL) AS fault,
           count(outcome)::int AS cycles,
           coalesce(sum(riders) FILTER (WHERE outcome IS NOT NULL), 0)::int AS riders,
           (count(*) FILTER (WHERE outcome = 'completed'))::int AS completed,
           (count(*) FILTER (WHERE outcome = 'aborted'))::int AS aborted,
           (count(*) FILTER (WHERE outcome = 'estop'))::int AS estop
      FROM piece GROUP BY i, park_id, ride_id, hour_start)
  SELECT i, park_id, ride_id, hour_start, cycles, riders, completed, aborted, estop,
         ${seconds('covered')} AS covered_s,
         ${seconds('covered * auto')} AS auto_s,
         ${seconds('covered * fault')} AS fault_s
    FROM slot
   WHERE covered IS NOT NULL AND NOT isempty(covered)
   ORDER BY i, hour_start, ride_id`;

/** Per bucket, ride and UTC hour with data: the hour's figures under the counting rule. */
export async function rideHours(pool: pg.Pool, scope: FigureScope): Promise<RideHour[]> {
  if (scope.buckets.length === 0) return [];
  const r = await pool.query<{
    i: number;
    park_id: string;
    ride_id: string;
    hour_start: Date;
    cycles: number;
    riders: number;
    completed: number;
    aborted: number;
    estop: number;
    covered_s: number;
    auto_s: number;
    fault_s: number;
  }>(RIDE_HOURS_SQL, figureParams(scope));
  return r.rows.map((row) => ({
    bucket: row.i - 1,
    park: row.park_id,
    ride: row.ride_id,
    hourStart: row.hour_start,
    cycles: row.cycles,
    riders: row.riders,
    completed: row.completed,
    aborted: row.aborted,
    estop: row.estop,
    coveredMinutes: row.covered_s / 60,
    autoMinutes: row.auto_s / 60,
    faultMinutes: row.fault_s / 60,
    availability: Math.min(1, Math.max(0, 1 - row.fault_s / row.covered_s)),
  }));
}
