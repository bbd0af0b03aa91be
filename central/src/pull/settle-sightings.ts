import type { RemoteFile, SettleTracker } from '@zra/gateway';
import type pg from 'pg';
import type { PulledFrom } from './commit-pulled-drop.ts';

/**
 * Gives the settle rule (shared's SettleTracker, the agent's own) the sightings of earlier
 * listings of this ride: download jobs run in short-lived pods that share nothing but the
 * database, and the "listed unchanged for the min age" half of the rule needs to remember.
 */
export async function loadSightings(
  pool: pg.Pool,
  from: PulledFrom,
  tracker: SettleTracker,
): Promise<void> {
  const r = await pool.query<{ name: string; size: string; mtime_ms: string; first_seen_at: Date }>(
    'SELECT name, size, mtime_ms, first_seen_at FROM gateway_sightings WHERE park_id = $1 AND ride_id = $2',
    [from.park.id, from.ride],
  );
  for (const row of r.rows) {
    tracker.recall(from.ride, row.name, {
      size: Number(row.size),
      mtimeMs: Number(row.mtime_ms),
      firstSeenAt: row.first_seen_at.getTime(),
    });
  }
}

/**
 * Stores what the tracker remembers of the files still being written (`young`) and forgets
 * every other file of the ride (settled, pulled or gone), so the table holds only files in
 * the making.
 */
export async function saveSightings(
  pool: pg.Pool,
  from: PulledFrom,
  tracker: SettleTracker,
  young: readonly RemoteFile[],
): Promise<void> {
  const rows = young.flatMap((f) => {
    const s = tracker.sighting(from.ride, f.name);
    return s
      ? [{ name: f.name, size: s.size, mtimeMs: s.mtimeMs, at: new Date(s.firstSeenAt) }]
      : [];
  });
  await pool.query(
    `DELETE FROM gateway_sightings WHERE park_id = $1 AND ride_id = $2 AND NOT (name = ANY($3))`,
    [from.park.id, from.ride, rows.map((r) => r.name)],
  );
  if (rows.length === 0) return;
  await pool.query(
    `INSERT INTO gateway_sightings (park_id, ride_id, name, size, mtime_ms, first_seen_at)
     SELECT $1, $2, * FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::timestamptz[])
     ON CONFLICT (park_id, ride_id, name) DO UPDATE SET
       size = EXCLUDED.size, mtime_ms = EXCLUDED.mtime_ms, first_seen_at = EXCLUDED.first_seen_at`,
    [
      from.park.id,
      from.ride,
      rows.map((r) => r.name),
      rows.map((r) => r.size),
      rows.map((r) => r.mtimeMs),
      rows.map((r) => r.at),
    ],
  );
}
