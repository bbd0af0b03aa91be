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
 * inside the bucket. A cycle counts in the slot where it starts; auto and fault minutes are
 * the covered part of the slot under the union of auto cycles / fault occurrences, so
 * overlapping windows, repeated alarm rows and a bucket edge at :30 are all counted once and
 * exactly.
 */
const SQL = `
  WITH ${LIVE_BATCHES}, ${LIVE_CYCLES}, ${ALARM_OCCURRENCES},
  cover AS (
    SELECT park_id, ride_id, range_agg(tstzrange(window_start, window_end)) AS m
      FROM live GROUP BY park_id, ride_id),
  slot AS (
    SELECT k.i, c.park_id, c.ride_id, h.h AS hour_start,
           greatest(h.h, k.b_start) AS s_start, least(h.h + interval '1 hour', k.b_end) AS s_end,
           c.m * tstzmultirange(tstzrange(greatest(h.h, k.b_start),
                                          least(h.h + interval '1 hour', k.b_end))) AS covered
      FROM bucket k
     CROSS JOIN LATERAL generate_series(date_trunc('hour', k.b_start, 'UTC'),
                                        k.b_end - interval '1 microsecond',
                                        interval '1 hour') AS h(h)
      JOIN cover c ON c.park_id = k.park_id
     WHERE c.m && tstzrange(greatest(h.h, k.b_start), least(h.h + interval '1 hour', k.b_end))),
  counted AS (
    SELECT s.i, s.park_id, s.ride_id, s.hour_start, count(*)::int AS cycles,
           sum(c.riders)::int AS riders,
           (count(*) FILTER (WHERE c.outcome = 'completed'))::int AS completed,
           (count(*) FILTER (WHERE c.outcome = 'aborted'))::int AS aborted,
           (count(*) FILTER (WHERE c.outcome = 'estop'))::int AS estop
      FROM slot s JOIN cycle c
        ON c.park_id = s.park_id AND c.ride_id = s.ride_id
       AND date_trunc('hour', c.start_at, 'UTC') = s.hour_start
     WHERE c.start_at >= s.s_start AND c.start_at < s.s_end
     GROUP BY s.i, s.park_id, s.ride_id, s.hour_start),
  auto AS (
    SELECT s.i, s.park_id, s.ride_id, s.hour_start,
           range_agg(tstzrange(c.start_at, c.end_at)) AS m
      FROM cycle c
     CROSS JOIN LATERAL generate_series(date_trunc('hour', c.start_at, 'UTC'), c.end_at,
                                        interval '1 hour') AS h(h)
      JOIN slot s ON s.park_id = c.park_id AND s.ride_id = c.ride_id AND s.hour_start = h.h
     WHERE c.mode = 'auto' AND c.end_at > c.start_at
     GROUP BY s.i, s.park_id, s.ride_id, s.hour_start),
  fault AS (
    SELECT s.i, s.park_id, s.ride_id, s.hour_start, range_agg(f.r) AS m
      FROM occurrence o
     CROSS JOIN LATERAL unnest(o.active) AS f(r)
     CROSS JOIN LATERAL generate_series(date_trunc('hour', lower(f.r), 'UTC'), upper(f.r),
                                        interval '1 hour') AS h(h)
      JOIN slot s ON s.park_id = o.park_id AND s.ride_id = o.ride_id AND s.hour_start = h.h
     WHERE o.severity IN ${DOWNTIME_SEVERITIES}
     GROUP BY s.i, s.park_id, s.ride_id, s.hour_start)
  SELECT s.i, s.park_id, s.ride_id, s.hour_start,
         coalesce(n.cycles, 0) AS cycles, coalesce(n.riders, 0) AS riders,
         coalesce(n.completed, 0) AS completed, coalesce(n.aborted, 0) AS aborted,
         coalesce(n.estop, 0) AS estop,
         ${seconds('s.covered')} AS covered_s,
         ${seconds('s.covered * a.m')} AS auto_s,
         ${seconds('s.covered * f.m')} AS fault_s
    FROM slot s
    LEFT JOIN counted n USING (i, park_id, ride_id, hour_start)
    LEFT JOIN auto a USING (i, park_id, ride_id, hour_start)
    LEFT JOIN fault f USING (i, park_id, ride_id, hour_start)
   ORDER BY s.i, s.hour_start, s.ride_id`;

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
  }>(SQL, figureParams(scope));
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
