import type { RideModels } from '@zra/shared';
import type pg from 'pg';
import { z } from 'zod';
import { resolveOpeningDays } from '../parks/opening-hours.ts';
import { openingHoursOf } from '../parks/park-store.ts';

const instant = z.iso.datetime();

/** `zamperla.report-input/v1` (docs/job-contracts.md), checked before the reporter sees it. */
export const reportInputSchema = z.strictObject({
  format: z.literal('zamperla.report-input/v1'),
  language: z.enum(['en', 'it']),
  park: z.strictObject({ id: z.string(), name: z.string(), timezone: z.string() }),
  ride: z.strictObject({ id: z.string(), name: z.string(), model: z.string() }).nullable(),
  period: z.strictObject({ start: instant, end: instant }),
  hourly: z.array(
    z.strictObject({
      ride: z.string(),
      hourStart: instant,
      localHour: z.string(),
      cycles: z.number().int(),
      riders: z.number().int(),
      completed: z.number().int(),
      aborted: z.number().int(),
      estop: z.number().int(),
      autoMinutes: z.number(),
      faultMinutes: z.number(),
      availability: z.number(),
    }),
  ),
  alarms: z.array(
    z.strictObject({
      ride: z.string(),
      code: z.string(),
      severity: z.string(),
      text: z.string(),
      raisedAt: instant,
      durationS: z.number(),
    }),
  ),
  // Optional: inputs written before channel health existed have no `channels`.
  channels: z
    .array(
      z.strictObject({
        ride: z.string(),
        channel: z.string(),
        unit: z.string().nullable(),
        threshold: z
          .strictObject({ min: z.number().optional(), max: z.number().optional() })
          .nullable(),
        days: z.array(
          z.strictObject({
            date: z.iso.date(),
            cycles: z.number().int(),
            p95Peak: z.number(),
          }),
        ),
      }),
    )
    .optional(),
  // Optional: inputs written before anomalies existed have no `anomalies`.
  anomalies: z
    .array(
      z.strictObject({
        ride: z.string(),
        kind: z.string(),
        channel: z.string().nullable(),
        count: z.number().int(),
        first: instant,
        worst: z.number().nullable(),
        limit: z.number().nullable(),
      }),
    )
    .optional(),
  // Optional: inputs written before opening hours existed have none; the reporter then
  // measures completeness against each day's span of hours with data.
  openingHours: z
    .strictObject({
      // The rides expected to run during opening hours (the ride, or every ride of the park).
      rides: z.array(z.string()),
      // Every park-local day of the period, its opening already resolved to UTC with the
      // zone's rules of that day; `open` and `close` are both null on a closed day.
      days: z.array(
        z
          .strictObject({ date: z.iso.date(), open: instant.nullable(), close: instant.nullable() })
          .refine((d) => (d.open === null) === (d.close === null), {
            message: 'open and close are both set or both null',
          }),
      ),
    })
    .optional(),
});

export type ReportInput = z.infer<typeof reportInputSchema>;

/** UTC ISO 8601 with `Z` and no zero milliseconds, as the contract writes instants. */
export const isoInstant = (d: Date): string => d.toISOString().replace('.000Z', 'Z');

/** What a report covers. */
export interface ReportScope {
  parkId: string;
  rideId: string | null;
  start: Date;
  end: Date;
  language: 'en' | 'it';
}

/**
 * Assembles the reporter's input from PostgreSQL. Results of superseded batches (replaced by
 * a revision) are left out. Several batches of one ride in one hour are summed; availability
 * is then their mean (the per-batch window minutes are not stored yet). Alarm texts are
 * stored in English; with `rideModels` they are given in the report's language.
 */
export async function buildReportInput(
  pool: pg.Pool,
  scope: ReportScope,
  rideModels?: RideModels,
): Promise<ReportInput> {
  const park = await pool.query<{ id: string; name: string; timezone: string }>(
    'SELECT id, name, timezone FROM parks WHERE id = $1',
    [scope.parkId],
  );
  const parkRow = park.rows[0];
  if (!parkRow) throw new Error(`park ${scope.parkId} does not exist`);
  let ride: ReportInput['ride'] = null;
  if (scope.rideId) {
    const r = await pool.query<{ id: string; name: string; model: string }>(
      'SELECT id, name, model FROM rides WHERE park_id = $1 AND id = $2',
      [scope.parkId, scope.rideId],
    );
    ride = r.rows[0] ?? null;
    if (!ride) throw new Error(`ride ${scope.parkId}/${scope.rideId} does not exist`);
  }
  const params = [scope.parkId, scope.rideId, scope.start, scope.end];
  const hourly = await pool.query<{
    ride: string;
    hour_start: Date;
    local_hour: string;
    cycles: number;
    riders: number;
    completed: number;
    aborted: number;
    estop: number;
    auto_minutes: number;
    fault_minutes: number;
    availability: number;
  }>(
    `SELECT h.ride_id AS ride, h.hour_start, min(h.local_hour) AS local_hour,
            sum(h.cycles)::int AS cycles, sum(h.riders)::int AS riders,
            sum(h.completed)::int AS completed, sum(h.aborted)::int AS aborted,
            sum(h.estop)::int AS estop, sum(h.auto_minutes) AS auto_minutes,
            sum(h.fault_minutes) AS fault_minutes, avg(h.availability) AS availability
       FROM hourly_aggregates h JOIN batches b ON b.id = h.batch_id
      WHERE h.park_id = $1 AND ($2::text IS NULL OR h.ride_id = $2)
        AND h.hour_start >= $3 AND h.hour_start < $4 AND b.superseded_by IS NULL
      GROUP BY h.ride_id, h.hour_start
      ORDER BY h.hour_start, h.ride_id`,
    params,
  );
  const alarms = await pool.query<{
    ride: string;
    model: string;
    code: string;
    severity: string;
    text: string;
    raised_at: Date;
    duration_s: number;
  }>(
    // A PLC repeats a long alarm in every window it spans, and each drop counts only its
    // window's share: one occurrence is one (ride, code, raisedAt), its duration the sum.
    `SELECT a.ride_id AS ride, r.model, a.code, max(a.severity) AS severity,
            min(a.text) AS text, a.raised_at, sum(a.duration_s)::float8 AS duration_s
       FROM alarms a JOIN batches b ON b.id = a.batch_id
       JOIN rides r ON r.park_id = a.park_id AND r.id = a.ride_id
      WHERE a.park_id = $1 AND ($2::text IS NULL OR a.ride_id = $2)
        AND a.raised_at >= $3 AND a.raised_at < $4 AND b.superseded_by IS NULL
      GROUP BY a.ride_id, r.model, a.code, a.raised_at
      ORDER BY a.raised_at, a.ride_id, a.code`,
    params,
  );
  // Channel health: per ride, channel and park-local day, the nearest-rank p95
  // (percentile_disc) of the per-cycle peaks the postprocessor stored in cycles.channels.
  // A cycle id repeated in two batches of a ride counts once (from the earliest batch).
  const channelDays = await pool.query<{
    ride: string;
    model: string;
    channel: string;
    date: string;
    cycles: number;
    p95_peak: number;
  }>(
    `SELECT ride, model, channel, date, count(*)::int AS cycles,
            percentile_disc(0.95) WITHIN GROUP (ORDER BY peak) AS p95_peak
       FROM (SELECT DISTINCT ON (c.ride_id, c.cycle_id, ch.key)
                    c.ride_id AS ride, r.model, ch.key AS channel,
                    to_char(c.start_at AT TIME ZONE p.timezone, 'YYYY-MM-DD') AS date,
                    (ch.value->>'peak')::float8 AS peak
               FROM cycles c JOIN batches b ON b.id = c.batch_id
               JOIN parks p ON p.id = c.park_id
               JOIN rides r ON r.park_id = c.park_id AND r.id = c.ride_id
               CROSS JOIN LATERAL jsonb_each(c.channels) ch
              WHERE c.park_id = $1 AND ($2::text IS NULL OR c.ride_id = $2)
                AND c.start_at >= $3 AND c.start_at < $4 AND b.superseded_by IS NULL
                AND ch.value ? 'peak'
              ORDER BY c.ride_id, c.cycle_id, ch.key, b.window_start, b.sequence, c.ordinal) per_cycle
      GROUP BY ride, model, channel, date
      ORDER BY ride, channel, date`,
    params,
  );
  const channels: NonNullable<ReportInput['channels']> = [];
  for (const row of channelDays.rows) {
    let entry = channels.at(-1);
    if (entry?.ride !== row.ride || entry.channel !== row.channel) {
      const spec = rideModels?.models
        .find((m) => m.id === row.model)
        ?.channels.find((c) => c.channel === row.channel);
      entry = {
        ride: row.ride,
        channel: row.channel,
        unit: spec?.unit ?? null,
        threshold: spec?.threshold ?? null,
        days: [],
      };
      channels.push(entry);
    }
    entry.days.push({ date: row.date, cycles: row.cycles, p95Peak: row.p95_peak });
  }

  // Anomalies: threshold breaches per ride, channel and side (the worst value is the one
  // furthest beyond the limit), and data-quality findings per ride, kind and channel.
  const anomalies = await pool.query<{
    ride: string;
    kind: string;
    channel: string | null;
    count: number;
    first: Date;
    worst: number | null;
    limit: number | null;
  }>(
    `SELECT ride, kind, channel, count, first, worst, "limit" FROM (
       SELECT b.ride_id AS ride, 'breach_' || br.kind AS kind, br.channel,
              count(*)::int AS count, min(br.at) AS first,
              CASE WHEN br.kind = 'min' THEN min(br.value) ELSE max(br.value) END AS worst,
              CASE WHEN br.kind = 'min' THEN max(br."limit") ELSE min(br."limit") END AS "limit"
         FROM breaches br JOIN batches b ON b.id = br.batch_id
        WHERE b.park_id = $1 AND ($2::text IS NULL OR b.ride_id = $2)
          AND br.at >= $3 AND br.at < $4 AND b.superseded_by IS NULL
        GROUP BY b.ride_id, br.kind, br.channel
       UNION ALL
       SELECT b.ride_id, q.kind, q.channel, count(*)::int, min(q.at), NULL::float8, NULL::float8
         FROM quality_findings q JOIN batches b ON b.id = q.batch_id
        WHERE b.park_id = $1 AND ($2::text IS NULL OR b.ride_id = $2)
          AND q.at >= $3 AND q.at < $4 AND b.superseded_by IS NULL
        GROUP BY b.ride_id, q.kind, q.channel) a
      ORDER BY ride, kind, channel NULLS FIRST`,
    params,
  );

  // Rides expected during opening hours: the ride, or every ride the park had by the period's
  // end plus any ride with data in it (a ride appears with its first drop, so one added
  // mid-period counts from the start, and a backfilled ride counts for its old periods).
  const rides = scope.rideId
    ? [scope.rideId]
    : [
        ...new Set([
          ...(
            await pool.query<{ id: string }>(
              'SELECT id FROM rides WHERE park_id = $1 AND created_at < $2',
              [scope.parkId, scope.end],
            )
          ).rows.map((r) => r.id),
          ...hourly.rows.map((h) => h.ride),
        ]),
      ].sort();
  const openingDays = resolveOpeningDays(
    await openingHoursOf(pool, scope.parkId),
    parkRow.timezone,
    scope.start,
    scope.end,
  );

  return reportInputSchema.parse({
    format: 'zamperla.report-input/v1',
    language: scope.language,
    park: parkRow,
    ride,
    period: { start: isoInstant(scope.start), end: isoInstant(scope.end) },
    hourly: hourly.rows.map((h) => ({
      ride: h.ride,
      hourStart: isoInstant(h.hour_start),
      localHour: h.local_hour,
      cycles: h.cycles,
      riders: h.riders,
      completed: h.completed,
      aborted: h.aborted,
      estop: h.estop,
      autoMinutes: h.auto_minutes,
      faultMinutes: h.fault_minutes,
      availability: h.availability,
    })),
    alarms: alarms.rows.map((a) => ({
      ride: a.ride,
      code: a.code,
      severity: a.severity,
      text:
        rideModels?.models.find((m) => m.id === a.model)?.alarms[a.code]?.text[scope.language] ??
        a.text,
      raisedAt: isoInstant(a.raised_at),
      durationS: a.duration_s,
    })),
    channels,
    anomalies: anomalies.rows.map((a) => ({ ...a, first: isoInstant(a.first) })),
    openingHours: {
      rides,
      days: openingDays.map((d) => ({
        date: d.date,
        open: d.open && isoInstant(d.open),
        close: d.close && isoInstant(d.close),
      })),
    },
  });
}
