import type pg from 'pg';
import { figureParams, type FigureScope } from './figure-scope.ts';
import { ALARM_OCCURRENCES, LIVE_BATCHES, seconds } from './live-content.ts';

/** An alarm's severity, as the postprocessor stored it (validated on the way in). */
export type Severity = 'info' | 'warning' | 'fault' | 'critical';

/** One alarm occurrence — (ride, code, raisedAt) — as active during one bucket. */
export interface AlarmOccurrence {
  /** Index of the bucket in the scope. */
  bucket: number;
  park: string;
  ride: string;
  /** The ride's model, to translate the text. */
  model: string;
  code: string;
  severity: Severity;
  /** As stored (English). */
  text: string;
  /** May be before the bucket's start. */
  raisedAt: Date;
  /** raisedAt in microseconds since the epoch: the exact key (a Date keeps milliseconds). */
  raisedUs: number;
  /** Seconds it was active inside the bucket (0 for a momentary alarm). */
  durationS: number;
}

/** Severities whose active time is downtime (R4): `fault` and `critical`. */
export const isDowntime = (severity: string): boolean =>
  severity === 'fault' || severity === 'critical';

/*
 * An occurrence is listed in every bucket its active time touches (a momentary one in the
 * bucket of its instant), whenever it was raised; its duration is its active time inside the
 * bucket: the union of its rows' spans intersected with the bucket.
 */
export const ALARM_OCCURRENCES_SQL = `
  WITH ${LIVE_BATCHES}, ${ALARM_OCCURRENCES}
  SELECT k.i, o.park_id, o.ride_id, r.model, o.code, o.severity, o.text, o.raised_at,
         (extract(epoch FROM o.raised_at) * 1000000)::bigint AS raised_us,
         ${seconds('o.active * tstzmultirange(tstzrange(k.b_start, k.b_end))')} AS duration_s
    FROM occurrence o
    JOIN bucket k ON k.park_id = o.park_id
    JOIN rides r ON r.park_id = o.park_id AND r.id = o.ride_id
   WHERE o.active && tstzrange(k.b_start, k.b_end)
      OR (o.momentary AND o.raised_at >= k.b_start AND o.raised_at < k.b_end)
   ORDER BY k.i, o.raised_at, o.ride_id, o.code`;

/** Per bucket, every alarm occurrence active in it, oldest raised first. */
export async function alarmOccurrences(
  pool: pg.Pool,
  scope: FigureScope,
): Promise<AlarmOccurrence[]> {
  if (scope.buckets.length === 0) return [];
  const r = await pool.query<{
    i: number;
    park_id: string;
    ride_id: string;
    model: string;
    code: string;
    severity: Severity;
    text: string;
    raised_at: Date;
    raised_us: string;
    duration_s: number;
  }>(ALARM_OCCURRENCES_SQL, figureParams(scope));
  return r.rows.map((row) => ({
    bucket: row.i - 1,
    park: row.park_id,
    ride: row.ride_id,
    model: row.model,
    code: row.code,
    severity: row.severity,
    text: row.text,
    raisedAt: row.raised_at,
    raisedUs: Number(row.raised_us),
    durationS: row.duration_s,
  }));
}
