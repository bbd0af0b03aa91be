import type pg from 'pg';
import { mapInSlices } from '@zra/shared';
import type { ParkIdentity } from '../server/park-identity.ts';
import { z } from 'zod';
import {
  rideReportSchema,
  type HeartbeatInput,
  type HeartbeatOutput,
  type RideReport,
} from './heartbeat-schemas.ts';

/** Heartbeats kept per park to judge whether the backlog keeps growing. */
export const BACKLOG_WINDOW = 3;

/**
 * Stores a park's latest heartbeat, replacing the previous one, and appends its backlog to
 * the last {@link BACKLOG_WINDOW} backlog counts. `received_at` is central's clock: a park
 * with a wrong clock must not look alive (or silent) because of it.
 */
export async function recordHeartbeat(
  pool: pg.Pool,
  park: ParkIdentity,
  hb: HeartbeatInput,
): Promise<HeartbeatOutput> {
  const r = await pool.query<{ received_at: Date }>(
    `INSERT INTO agent_heartbeats AS h (park_id, version, buffer_drops, buffer_bytes,
        buffer_cap_bytes, backlog_drops, backlog_bytes, backlog_oldest_pulled_at, offline_since,
        recent_backlog_drops, rides, quarantined_drops, quarantine_latest_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ARRAY[$6::integer], $11, $12, $13)
     ON CONFLICT (park_id) DO UPDATE SET
       version = EXCLUDED.version,
       buffer_drops = EXCLUDED.buffer_drops,
       buffer_bytes = EXCLUDED.buffer_bytes,
       buffer_cap_bytes = EXCLUDED.buffer_cap_bytes,
       backlog_drops = EXCLUDED.backlog_drops,
       backlog_bytes = EXCLUDED.backlog_bytes,
       backlog_oldest_pulled_at = EXCLUDED.backlog_oldest_pulled_at,
       offline_since = EXCLUDED.offline_since,
       rides = EXCLUDED.rides,
       quarantined_drops = EXCLUDED.quarantined_drops,
       quarantine_latest_at = EXCLUDED.quarantine_latest_at,
       recent_backlog_drops = (h.recent_backlog_drops || EXCLUDED.backlog_drops)[
         greatest(1, cardinality(h.recent_backlog_drops) + 2 - $10::integer):],
       received_at = now()
     RETURNING received_at`,
    [
      park.id,
      hb.version,
      hb.buffer.drops,
      hb.buffer.bytes,
      hb.buffer.capBytes,
      hb.backlog.drops,
      hb.backlog.bytes,
      hb.backlog.oldestPulledAt,
      hb.offlineSince,
      BACKLOG_WINDOW,
      // Absent (an older agent) stays null: "not reported", never "no problems".
      hb.rides === undefined ? null : JSON.stringify(hb.rides),
      hb.quarantine?.drops ?? null,
      hb.quarantine?.latestAt ?? null,
    ],
  );
  const row = r.rows[0];
  if (!row) throw new Error('INSERT … RETURNING gave no row');
  return { receivedAt: row.received_at.toISOString() };
}

/** One park's agent as its latest heartbeat says, with each ride's report. */
export interface ParkAgentHealth extends AgentHealthFigures {
  /** Each ride's pulling as of the last heartbeat; null when the agent does not report it. */
  rides: RideReport[] | null;
}

/** One park's agent as the fleet page and the metrics see it: its rides counted, not listed. */
export interface FleetAgentHealth extends AgentHealthFigures {
  /** The rides the agent reports by state; null when it does not report them. */
  rideCounts: { total: number; failing: number; paused: number } | null;
}

/** What every view of a park's agent has, whatever it shows of the rides. */
export interface AgentHealthFigures {
  park: string;
  /** Null when the agent never sent a heartbeat. */
  lastHeartbeatAt: string | null;
  version: string | null;
  backlogDrops: number | null;
  backlogBytes: number | null;
  /** When the oldest drop in the backlog was pulled from the gateway (agent's clock). */
  backlogOldestPulledAt: string | null;
  bufferBytes: number | null;
  bufferCapBytes: number | null;
  offlineSince: string | null;
  /** No heartbeat for longer than the threshold, or none ever. */
  silent: boolean;
  /** The backlog rose at each of the last {@link BACKLOG_WINDOW} heartbeats. */
  backlogGrowing: boolean;
  /** Drops the agent keeps aside as invalid; null when the agent does not report it. */
  quarantinedDrops: number | null;
  quarantineLatestAt: string | null;
}

interface FiguresRow {
  park: string;
  received_at: Date | null;
  version: string | null;
  backlog_drops: number | null;
  backlog_bytes: string | null;
  backlog_oldest_pulled_at: Date | null;
  buffer_bytes: string | null;
  buffer_cap_bytes: string | null;
  offline_since: Date | null;
  recent_backlog_drops: number[] | null;
  quarantined_drops: number | null;
  quarantine_latest_at: Date | null;
  silent: boolean;
}

/** Every park with its latest heartbeat's figures; `$1` the silence threshold in ms, `$2` a park or null. */
const healthSql = (rides: string) => `
  SELECT p.id AS park, h.received_at, h.version, h.backlog_drops, h.backlog_bytes,
         h.backlog_oldest_pulled_at, h.buffer_bytes, h.buffer_cap_bytes, h.offline_since,
         h.recent_backlog_drops, h.quarantined_drops, h.quarantine_latest_at, ${rides},
         (h.received_at IS NULL OR h.received_at < now() - $1::float8 * interval '1 millisecond')
           AS silent
    FROM parks p LEFT JOIN agent_heartbeats h ON h.park_id = p.id
   WHERE $2::text IS NULL OR p.id = $2
   ORDER BY p.id`;

function figuresOf(row: FiguresRow): AgentHealthFigures {
  return {
    park: row.park,
    lastHeartbeatAt: row.received_at?.toISOString() ?? null,
    version: row.version,
    backlogDrops: row.backlog_drops,
    backlogBytes: row.backlog_bytes === null ? null : Number(row.backlog_bytes),
    backlogOldestPulledAt: row.backlog_oldest_pulled_at?.toISOString() ?? null,
    bufferBytes: row.buffer_bytes === null ? null : Number(row.buffer_bytes),
    bufferCapBytes: row.buffer_cap_bytes === null ? null : Number(row.buffer_cap_bytes),
    offlineSince: row.offline_since?.toISOString() ?? null,
    silent: row.silent,
    backlogGrowing: isGrowing(row.recent_backlog_drops ?? []),
    quarantinedDrops: row.quarantined_drops,
    quarantineLatestAt: row.quarantine_latest_at?.toISOString() ?? null,
  };
}

/**
 * Every park with its agent's latest heartbeat, flagged silent when the last one is older
 * than `silentAfterMs` (or there never was one) and backlog-growing when the backlog went up
 * at each of the last three heartbeats (a park that uploads slower than it produces). With
 * `park`, only that park's (a park or ride page: checking the rides reported by a thousand
 * agents to show one park's was a tenth of a second).
 */
export async function parkAgentHealth(
  pool: pg.Pool,
  silentAfterMs: number,
  park?: string,
): Promise<ParkAgentHealth[]> {
  const r = await pool.query<FiguresRow & { rides: unknown }>(healthSql('h.rides'), [
    silentAfterMs,
    park ?? null,
  ]);
  // In slices: each row's rides are checked again (rows of older versions), ≈ 0.1 ms a park,
  // 95 ms in one block at a thousand parks.
  return mapInSlices(r.rows, (row) => ({ ...figuresOf(row), rides: storedRides(row.rides) }));
}

/**
 * Every park's agent as {@link parkAgentHealth} says, its rides counted by PostgreSQL: a
 * thousand parks' ride reports are 3.6 MB, which the fleet page read and parsed on the API's
 * one thread every few seconds to show three counts. A ride counts as failing when its last
 * pull failed or its host key changed, as paused when pulling waits for room and it is not
 * failing: the rule of `rideAtPark` (dashboard/agent-view.ts; an empty sentence is none), which
 * a test holds these counts to. A report that is not a list counts as not reported.
 */
export async function fleetAgentHealth(
  pool: pg.Pool,
  silentAfterMs: number,
): Promise<FleetAgentHealth[]> {
  const r = await pool.query<FiguresRow & { ride_counts: number[] | null }>(
    healthSql(`
      CASE WHEN jsonb_typeof(h.rides) = 'array' THEN (
        SELECT ARRAY[count(*), count(*) FILTER (WHERE failing),
                     count(*) FILTER (WHERE NOT failing AND paused)]::int[]
          FROM (SELECT coalesce(x->>'hostKeyChanged' = 'true', false)
                         OR coalesce(x->>'lastError', '') <> '' AS failing,
                       coalesce(x->>'pausedReason', '') <> '' AS paused
                  FROM jsonb_array_elements(h.rides) x) r)
      END AS ride_counts`),
    [silentAfterMs, null],
  );
  return r.rows.map((row) => {
    const [total = 0, failing = 0, paused = 0] = row.ride_counts ?? [];
    return {
      ...figuresOf(row),
      rideCounts: row.ride_counts === null ? null : { total, failing, paused },
    };
  });
}

/** The stored ride reports; a row that no longer parses counts as not reported. */
function storedRides(value: unknown): RideReport[] | null {
  if (value === null || value === undefined) return null;
  const parsed = z.array(rideReportSchema).safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** True when there are a full window of counts and each is larger than the one before. */
export function isGrowing(counts: number[]): boolean {
  if (counts.length < BACKLOG_WINDOW) return false;
  return counts.slice(-BACKLOG_WINDOW).every((n, i, a) => i === 0 || n > (a[i - 1] ?? n));
}
