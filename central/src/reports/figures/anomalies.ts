import type pg from 'pg';
import { figureParams, type FigureScope } from './figure-scope.ts';
import { LIVE_BATCHES } from './live-content.ts';

/** Threshold breaches or data-quality findings of one kind on one ride (and channel). */
export interface AnomalyCount {
  bucket: number;
  ride: string;
  /** `breach_max`, `breach_min`, or the finding's kind. */
  kind: string;
  channel: string | null;
  count: number;
  first: Date;
  /** Breaches: the value furthest beyond the limit; null for findings. */
  worst: number | null;
  limit: number | null;
}

/*
 * Breaches and findings of live batches, each counted once: two live batches whose (legacy)
 * windows overlap report the same breach (ride, kind, channel, cycle, instant) or finding
 * (ride, kind, channel, instant, detail) twice; the newest commit's row stands for both.
 */
const SQL = `
  WITH ${LIVE_BATCHES},
  breach AS (
    SELECT DISTINCT ON (k.i, l.ride_id, br.kind, br.channel, br.cycle_id, br.at)
           k.i, l.ride_id, br.kind, br.channel, br.at, br.value, br."limit"
      FROM live l JOIN breaches br ON br.batch_id = l.id
      JOIN bucket k ON k.park_id = l.park_id AND br.at >= k.b_start AND br.at < k.b_end
     ORDER BY k.i, l.ride_id, br.kind, br.channel, br.cycle_id, br.at, l.commit_seq DESC,
              br.ordinal),
  finding AS (
    SELECT DISTINCT ON (k.i, l.ride_id, q.kind, q.channel, q.at, q.detail)
           k.i, l.ride_id, q.kind, q.channel, q.at
      FROM live l JOIN quality_findings q ON q.batch_id = l.id
      JOIN bucket k ON k.park_id = l.park_id AND q.at >= k.b_start AND q.at < k.b_end
     ORDER BY k.i, l.ride_id, q.kind, q.channel, q.at, q.detail, l.commit_seq DESC, q.ordinal)
  SELECT i, ride, kind, channel, count, first, worst, "limit" FROM (
    SELECT i, ride_id AS ride, 'breach_' || kind AS kind, channel, count(*)::int AS count,
           min(at) AS first,
           CASE WHEN kind = 'min' THEN min(value) ELSE max(value) END AS worst,
           CASE WHEN kind = 'min' THEN max("limit") ELSE min("limit") END AS "limit"
      FROM breach GROUP BY i, ride_id, kind, channel
    UNION ALL
    SELECT i, ride_id, kind, channel, count(*)::int, min(at), NULL::float8, NULL::float8
      FROM finding GROUP BY i, ride_id, kind, channel) a
   ORDER BY i, ride, kind, channel NULLS FIRST`;

/** Per bucket, ride, kind and channel: how many, the first, and for breaches the worst. */
export async function anomalyCounts(pool: pg.Pool, scope: FigureScope): Promise<AnomalyCount[]> {
  if (scope.buckets.length === 0) return [];
  const r = await pool.query<{
    i: number;
    ride: string;
    kind: string;
    channel: string | null;
    count: number;
    first: Date;
    worst: number | null;
    limit: number | null;
  }>(SQL, figureParams(scope));
  return r.rows.map(({ i, ...row }) => ({ bucket: i - 1, ...row }));
}
