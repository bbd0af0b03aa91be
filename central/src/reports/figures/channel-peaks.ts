import type pg from 'pg';
import { figureParams, type FigureScope } from './figure-scope.ts';
import { LIVE_BATCHES, LIVE_CYCLES } from './live-content.ts';

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

const SQL = `
  WITH ${LIVE_BATCHES}, ${LIVE_CYCLES}
  SELECT k.i, c.ride_id, r.model, ch.key AS channel,
         CASE WHEN $8::text IS NULL THEN NULL
              ELSE to_char(c.start_at AT TIME ZONE $8::text, 'YYYY-MM-DD') END AS date,
         count(*)::int AS cycles,
         percentile_disc(0.95) WITHIN GROUP (ORDER BY (ch.value->>'peak')::float8)::float8
           AS p95_peak
    FROM cycle c
    JOIN bucket k ON k.park_id = c.park_id AND c.start_at >= k.b_start AND c.start_at < k.b_end
    JOIN rides r ON r.park_id = c.park_id AND r.id = c.ride_id
   CROSS JOIN LATERAL jsonb_each(c.channels) ch
   WHERE ch.value ? 'peak'
   GROUP BY k.i, c.ride_id, r.model, ch.key, 5
   ORDER BY k.i, c.ride_id, ch.key, 5`;

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
