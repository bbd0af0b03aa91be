import type pg from 'pg';
import { figureParams, type FigureScope } from './figure-scope.ts';
import { LIVE_BATCHES, LIVE_CYCLES_WITH_CHANNELS } from './live-content.ts';

/** Every per-cycle peak of one channel of one ride in one bucket, ascending. */
export interface ChannelPeakValues {
  bucket: number;
  ride: string;
  channel: string;
  /** One per cycle that measured the channel (each cycle id once, by the counting rule). */
  peaks: Float64Array;
}

// The same cycles and peaks as channel-peaks.ts, handed over whole so that percentiles over
// several buckets can be taken later (ride-day-store.ts keeps them per day). Each group's
// values travel as one bytea of big-endian float8s: exact, and no text to parse. A cycle finds
// its bucket by a binary search of the starts (width_bucket), not by comparing it with every
// bucket: a year is 36,000 cycles and 366 days.
export const CHANNEL_PEAK_VALUES_SQL = `
  WITH ${LIVE_BATCHES}, ${LIVE_CYCLES_WITH_CHANNELS},
  peak AS (
    SELECT k.i, c.ride_id COLLATE "C" AS ride_id, ch.key COLLATE "C" AS channel,
           (ch.value->>'peak')::float8 AS peak
      FROM cycle c
      JOIN bucket k ON k.i = width_bucket(c.start_at, $3::timestamptz[])
       AND k.park_id = c.park_id AND c.start_at < k.b_end
     CROSS JOIN LATERAL jsonb_each(c.channels) ch
     WHERE ch.value ? 'peak')
  SELECT i, ride_id COLLATE "default" AS ride_id, channel COLLATE "default" AS channel,
         string_agg(float8send(peak), ''::bytea) AS peaks
    FROM peak GROUP BY i, ride_id, channel`;

/**
 * Per bucket, ride and channel: the peaks the postprocessor stored per counted cycle. The
 * buckets must be of one park, in time order and disjoint (days).
 */
export async function channelPeakValues(
  pool: pg.Pool,
  scope: FigureScope,
): Promise<ChannelPeakValues[]> {
  if (scope.buckets.length === 0) return [];
  scope.buckets.forEach((b, i) => {
    const next = scope.buckets[i + 1];
    if (b.park !== scope.buckets[0]?.park || (next && next.start < b.end)) {
      throw new Error('channelPeakValues takes disjoint buckets of one park in time order');
    }
  });
  const r = await pool.query<{ i: number; ride_id: string; channel: string; peaks: Buffer }>(
    CHANNEL_PEAK_VALUES_SQL,
    figureParams(scope),
  );
  return r.rows.map((row) => ({
    bucket: row.i - 1,
    ride: row.ride_id,
    channel: row.channel,
    peaks: float8sOf(row.peaks).sort(),
  }));
}

/** Big-endian float8s, as float8send writes them. */
export function float8sOf(bytes: Buffer): Float64Array {
  const values = new Float64Array(bytes.length / 8);
  for (let k = 0; k < values.length; k += 1) values[k] = bytes.readDoubleBE(k * 8);
  return values;
}

/**
 * PostgreSQL's `percentile_disc(0.95)`: the value at rank ⌈0.95·n⌉ (at least 1) of the
 * ascending values, with the same float arithmetic, so a p95 taken here equals one taken there.
 */
export function p95OfSorted(ascending: Float64Array): number {
  const n = ascending.length;
  if (n === 0) throw new Error('no values to take a p95 of');
  const value = ascending[Math.max(1, Math.ceil(0.95 * n)) - 1];
  if (value === undefined) throw new Error('rank outside the values');
  return value;
}
