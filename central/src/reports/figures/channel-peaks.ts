import type pg from 'pg';
import { figureParams, type FigureScope } from './figure-scope.ts';
import { LIVE_BATCHES, LIVE_CYCLES_WITH_CHANNELS } from './live-content.ts';

/** The nearest-rank p95 of one channel's per-cycle peaks, for a bucket (and a day). */
export interface ChannelPeaks {
  bucket: number;
  ride: string;
  model: string;
  channel: string;
  /** Park-local date of the cycles' starts, when asked per day; otherwise null. */
  date: string | null;
  /** Cycles that measured the channel (each cycle id once). */
  cycles: number;
  p95Peak: number;
}

// A park-month sorts half a million (cycle, channel) peaks by their group: narrow rows (no
// jsonb), keys compared byte by byte (COLLATE "C": equality is all grouping needs; a
// database's own collation, e.g. en_US, compares text several times slower), the day as a date,
// and the ride's model joined once per group. The result is ordered in the database's
// collation, as before. A bucket holds one park, so the bucket's number stands for the park in
// the sort key (a year of one ride is 290,000 rows sorted; every byte of them counts).
const SQL = `
  WITH ${LIVE_BATCHES}, ${LIVE_CYCLES_WITH_CHANNELS},
  dated AS (
    SELECT k.i, c.ride_id COLLATE "C" AS ride_id, c.channels,
           CASE WHEN $8::text IS NULL THEN NULL
                ELSE (c.start_at AT TIME ZONE $8::text)::date END AS day
      FROM cycle c
      JOIN bucket k ON k.park_id = c.park_id AND c.start_at >= k.b_start AND c.start_at < k.b_end),
  peak AS (
    SELECT d.i, d.ride_id, d.day, ch.key COLLATE "C" AS channel,
           (ch.value->>'peak')::float8 AS peak
      FROM dated d CROSS JOIN LATERAL jsonb_each(d.channels) ch
     WHERE ch.value ? 'peak'),
  agg AS (
    SELECT i, ride_id, channel, day, count(*)::int AS cycles,
           percentile_disc(0.95) WITHIN GROUP (ORDER BY peak)::float8 AS p95_peak
      FROM peak GROUP BY i, ride_id, channel, day)
  SELECT a.i, a.ride_id COLLATE "default" AS ride_id, r.model, a.channel COLLATE "default" AS channel,
         to_char(a.day, 'YYYY-MM-DD') AS date, a.cycles, a.p95_peak
    FROM agg a JOIN bucket k ON k.i = a.i JOIN rides r ON r.park_id = k.park_id AND r.id = a.ride_id
   ORDER BY 1, 2, 4, 5`;

/**
 * Per bucket, ride and channel (and park-local day of `timezone`, when given): the p95 of the
 * peaks the postprocessor stored per cycle, over the cycles counted by the counting rule.
 */
export async function channelPeaks(
  pool: pg.Pool,
  scope: FigureScope,
  perDayIn: string | null,
): Promise<ChannelPeaks[]> {
  if (scope.buckets.length === 0) return [];
  const r = await pool.query<{
    i: number;
    ride_id: string;
    model: string;
    channel: string;
    date: string | null;
    cycles: number;
    p95_peak: number;
  }>(SQL, [...figureParams(scope), perDayIn]);
  return r.rows.map((row) => ({
    bucket: row.i - 1,
    ride: row.ride_id,
    model: row.model,
    channel: row.channel,
    date: row.date,
    cycles: row.cycles,
    p95Peak: row.p95_peak,
  }));
}
