import type pg from 'pg';
import type { PostprocessResult } from './postprocess-result.ts';

/** Which batch the results belong to. */
export interface BatchKey {
  batchId: string;
  parkId: string;
  rideId: string;
}

const withOrdinal = <T extends object>(rows: T[]) => rows.map((r, ordinal) => ({ ...r, ordinal }));

/**
 * Replaces every result row of a batch (delete, then insert). Runs inside the caller's
 * transaction; each table is one statement over `jsonb_to_recordset`, not one per row.
 */
export async function writeBatchResults(
  c: pg.PoolClient,
  key: BatchKey,
  result: PostprocessResult,
): Promise<void> {
  const { batchId, parkId, rideId } = key;
  for (const table of ['cycles', 'alarms', 'breaches', 'quality_findings', 'hourly_aggregates']) {
    await c.query(`DELETE FROM ${table} WHERE batch_id = $1`, [batchId]);
  }
  await c.query(
    `INSERT INTO cycles (batch_id, park_id, ride_id, ordinal, cycle_id, start_at, end_at, mode,
                         outcome, riders, duration_s, channels)
     SELECT $1, $2, $3, r.ordinal, r.id, r.start, r."end", r.mode, r.outcome, r.riders,
            r."durationS", r.channels
       FROM jsonb_to_recordset($4::jsonb) AS r(ordinal int, id text, start timestamptz,
            "end" timestamptz, mode text, outcome text, riders int, "durationS" float8,
            channels jsonb)`,
    [batchId, parkId, rideId, JSON.stringify(withOrdinal(result.cycles))],
  );
  await c.query(
    `INSERT INTO alarms (batch_id, park_id, ride_id, ordinal, code, severity, text, component,
                         raised_at, cleared_at, duration_s, cycle_id)
     SELECT $1, $2, $3, r.ordinal, r.code, r.severity, r.text, r.component, r."raisedAt",
            r."clearedAt", r."durationS", r."cycleId"
       FROM jsonb_to_recordset($4::jsonb) AS r(ordinal int, code text, severity text, text text,
            component text, "raisedAt" timestamptz, "clearedAt" timestamptz, "durationS" float8,
            "cycleId" text)`,
    [batchId, parkId, rideId, JSON.stringify(withOrdinal(result.alarms))],
  );
  await c.query(
    `INSERT INTO breaches (batch_id, ordinal, channel, cycle_id, at, value, "limit", kind)
     SELECT $1, r.ordinal, r.channel, r."cycleId", r.at, r.value, r."limit", r.kind
       FROM jsonb_to_recordset($2::jsonb) AS r(ordinal int, channel text, "cycleId" text,
            at timestamptz, value float8, "limit" float8, kind text)`,
    [batchId, JSON.stringify(withOrdinal(result.breaches))],
  );
  await c.query(
    `INSERT INTO quality_findings (batch_id, ordinal, kind, channel, at, detail)
     SELECT $1, r.ordinal, r.kind, r.channel, r.at, r.detail
       FROM jsonb_to_recordset($2::jsonb) AS r(ordinal int, kind text, channel text,
            at timestamptz, detail text)`,
    [batchId, JSON.stringify(withOrdinal(result.quality))],
  );
  await c.query(
    `INSERT INTO hourly_aggregates (batch_id, park_id, ride_id, hour_start, local_hour, cycles,
                                    riders, completed, aborted, estop, auto_minutes,
                                    fault_minutes, availability, channel_stats)
     SELECT $1, $2, $3, r."hourStart", r."localHour", r.cycles, r.riders, r.completed,
            r.aborted, r.estop, r."autoMinutes", r."faultMinutes", r.availability, r.channels
       FROM jsonb_to_recordset($4::jsonb) AS r("hourStart" timestamptz, "localHour" text,
            cycles int, riders int, completed int, aborted int, estop int,
            "autoMinutes" float8, "faultMinutes" float8, availability float8, channels jsonb)`,
    [batchId, parkId, rideId, JSON.stringify(result.hourly)],
  );
}
