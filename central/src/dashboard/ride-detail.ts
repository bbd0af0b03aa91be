import { loadRideModels, type RideModels } from '@zra/shared';
import { TRPCError } from '@trpc/server';
import type pg from 'pg';
import type { RideDetail, RideInput } from './dashboard-schemas.ts';
import { requirePark } from './park-detail.ts';

let rideModels: RideModels | undefined;
/** The shipped ride models (units and thresholds), read once. */
function models(): RideModels {
  return (rideModels ??= loadRideModels());
}

/**
 * A ride's KPIs per park-local day over the last `days` days (cycles, riders, mean hourly
 * availability, fault minutes) and its top alarms in that period. Only batches not replaced
 * by a revision count. An alarm occurrence is one (code, raisedAt): a PLC repeats an alarm in
 * every window it spans, so its durations add up across batches (docs/job-contracts.md).
 * Channel health is the nearest-rank p95 of the per-cycle peaks over the period, next to the
 * ride model's threshold, the way the report computes it per day (reports/report-input.ts).
 */
export async function rideDetail(pool: pg.Pool, input: RideInput): Promise<RideDetail> {
  const park = await requirePark(pool, input.park);
  const tz = park.timezone;
  const ride = await pool.query<{ id: string; name: string; model: string }>(
    'SELECT id, name, model FROM rides WHERE park_id = $1 AND id = $2',
    [park.id, input.ride],
  );
  const r = ride.rows[0];
  if (!r) {
    throw new TRPCError({
      code: 'NOT_FOUND',
      message: `park "${park.id}" has no ride "${input.ride}" (rides appear with their first drop)`,
    });
  }
  const params = [park.id, r.id, tz, input.days];
  const bounds = `date_trunc('day', now() AT TIME ZONE $3) - ($4::int - 1) * interval '1 day'`;
  const [days, alarms, channels] = await Promise.all([
    pool.query<{
      date: string;
      cycles: number;
      riders: number;
      availability: number | null;
      fault_minutes: number;
      hours: number;
    }>(
      `SELECT to_char(d.day, 'YYYY-MM-DD') AS date,
              coalesce(sum(h.cycles), 0)::int AS cycles,
              coalesce(sum(h.riders), 0)::int AS riders,
              avg(h.availability)::float8 AS availability,
              coalesce(sum(h.fault_minutes), 0)::float8 AS fault_minutes,
              count(DISTINCT h.hour_start)::int AS hours
         FROM generate_series(${bounds}, date_trunc('day', now() AT TIME ZONE $3),
                              interval '1 day') AS d(day)
         LEFT JOIN (hourly_aggregates h
                    JOIN batches b ON b.id = h.batch_id AND b.superseded_by IS NULL)
           ON h.park_id = $1 AND h.ride_id = $2
          AND h.hour_start >= d.day AT TIME ZONE $3
          AND h.hour_start < (d.day + interval '1 day') AT TIME ZONE $3
        GROUP BY d.day ORDER BY d.day`,
      params,
    ),
    pool.query<{
      code: string;
      text: string;
      severity: string;
      count: number;
      downtime_s: number;
    }>(
      `WITH occurrences AS (
         SELECT a.code, max(a.text) AS text, max(a.severity) AS severity, a.raised_at,
                sum(a.duration_s) AS duration_s
           FROM alarms a JOIN batches b ON b.id = a.batch_id AND b.superseded_by IS NULL
          WHERE a.park_id = $1 AND a.ride_id = $2
            AND a.raised_at >= (${bounds}) AT TIME ZONE $3
          GROUP BY a.code, a.raised_at)
       SELECT code, max(text) AS text, max(severity) AS severity, count(*)::int AS count,
              sum(duration_s)::float8 AS downtime_s
         FROM occurrences GROUP BY code
        ORDER BY count DESC, downtime_s DESC, code LIMIT 10`,
      params,
    ),
    pool.query<{ channel: string; cycles: number; p95_peak: number }>(
      `SELECT channel, count(*)::int AS cycles,
              percentile_disc(0.95) WITHIN GROUP (ORDER BY peak)::float8 AS p95_peak
         FROM (SELECT DISTINCT ON (c.cycle_id, ch.key) ch.key AS channel,
                      (ch.value->>'peak')::float8 AS peak
                 FROM cycles c JOIN batches b ON b.id = c.batch_id AND b.superseded_by IS NULL
                 CROSS JOIN LATERAL jsonb_each(c.channels) ch
                WHERE c.park_id = $1 AND c.ride_id = $2
                  AND c.start_at >= (${bounds}) AT TIME ZONE $3
                  AND ch.value ? 'peak'
                ORDER BY c.cycle_id, ch.key, b.window_start, b.sequence, c.ordinal) per_cycle
        GROUP BY channel ORDER BY channel`,
      params,
    ),
  ]);
  const specs = models().models.find((m) => m.id === r.model)?.channels ?? [];
  return {
    ride: { park: park.id, id: r.id, name: r.name, model: r.model, timezone: tz },
    days: days.rows.map((d) => ({
      date: d.date,
      cycles: d.cycles,
      riders: d.riders,
      availability: d.availability,
      faultMinutes: d.fault_minutes,
      hoursWithData: d.hours,
    })),
    topAlarms: alarms.rows.map((a) => ({
      code: a.code,
      text: a.text,
      severity: a.severity,
      count: a.count,
      downtimeS: a.downtime_s,
    })),
    channels: channels.rows.map((c) => {
      const spec = specs.find((x) => x.channel === c.channel);
      return {
        channel: c.channel,
        unit: spec?.unit ?? null,
        threshold: spec?.threshold ?? null,
        cycles: c.cycles,
        p95Peak: c.p95_peak,
      };
    }),
  };
}
