import type pg from 'pg';
import { parkAgentHealth } from '../agents/heartbeat-store.ts';
import { agentView } from './agent-view.ts';
import { emptyByState, type BatchState, type FleetOverview } from './dashboard-schemas.ts';

/**
 * Every park at a glance: its agent (heartbeat, backlog age, silent / backlog-growing flags),
 * last upload, today's drops by state and availability (park-local day) and current failures.
 * A handful of grouped queries, whatever the number of parks.
 */
export async function fleetOverview(pool: pg.Pool, silentAfterMs: number): Promise<FleetOverview> {
  const [parks, states, health] = await Promise.all([
    pool.query<{
      id: string;
      name: string;
      timezone: string;
      today: string;
      rides: number;
      last_upload_at: Date | null;
      failed_now: number;
      availability: number | null;
    }>(
      `SELECT p.id, p.name, p.timezone,
              to_char(now() AT TIME ZONE p.timezone, 'YYYY-MM-DD') AS today,
              (SELECT count(*)::int FROM rides r WHERE r.park_id = p.id) AS rides,
              (SELECT max(b.received_at) FROM batches b WHERE b.park_id = p.id) AS last_upload_at,
              (SELECT count(*)::int FROM batches b
                WHERE b.park_id = p.id AND b.state = 'failed' AND b.superseded_by IS NULL)
                AS failed_now,
              (SELECT avg(h.availability)::float8 FROM hourly_aggregates h
                 JOIN batches b ON b.id = h.batch_id AND b.superseded_by IS NULL
                WHERE h.park_id = p.id AND h.hour_start >= d.start) AS availability
         FROM parks p
        CROSS JOIN LATERAL (SELECT date_trunc('day', now() AT TIME ZONE p.timezone)
                                   AT TIME ZONE p.timezone AS start) d
        ORDER BY p.id`,
    ),
    pool.query<{ park_id: string; state: BatchState; n: number }>(
      `SELECT b.park_id, b.state, count(*)::int AS n
         FROM parks p
         JOIN batches b ON b.park_id = p.id
          AND b.received_at >= date_trunc('day', now() AT TIME ZONE p.timezone) AT TIME ZONE p.timezone
        GROUP BY b.park_id, b.state`,
    ),
    parkAgentHealth(pool, silentAfterMs),
  ]);
  const now = Date.now();
  return {
    generatedAt: new Date(now).toISOString(),
    parks: parks.rows.map((p) => {
      const byState = emptyByState();
      for (const s of states.rows) if (s.park_id === p.id) byState[s.state] = s.n;
      return {
        id: p.id,
        name: p.name,
        timezone: p.timezone,
        rides: p.rides,
        lastUploadAt: p.last_upload_at?.toISOString() ?? null,
        agent: agentView(
          health.find((h) => h.park === p.id),
          now,
        ),
        today: {
          date: p.today,
          drops: Object.values(byState).reduce((a, b) => a + b, 0),
          byState,
          availability: p.availability,
        },
        failedNow: p.failed_now,
      };
    }),
  };
}
