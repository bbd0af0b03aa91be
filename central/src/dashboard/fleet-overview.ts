import type pg from 'pg';
import { parkAgentHealth } from '../agents/heartbeat-store.ts';
import { rideAvailability } from '../reports/figures/ride-availability.ts';
import { agentView } from './agent-view.ts';
import {
  emptyByState,
  type AgentView,
  type Attention,
  type BatchState,
  type FleetOverview,
} from './dashboard-schemas.ts';
import { availabilityOf } from './park-detail.ts';
import { parkLocalDays, type LocalDay } from './park-local-days.ts';

/**
 * Every park at a glance: its agent (heartbeat, backlog age, silent / backlog-growing flags),
 * last upload, today's drops by state (park-local day; a drop a revision replaced is not
 * counted), today's availability by the counting rule, and current failures. A handful of
 * grouped queries, whatever the number of parks.
 */
export async function fleetOverview(
  pool: pg.Pool,
  silentAfterMs: number,
  nowMs = Date.now(),
): Promise<FleetOverview> {
  const parks = await pool.query<{
    id: string;
    name: string;
    timezone: string;
    rides: number;
    last_upload_at: Date | null;
    failed_now: number;
    disabled_at: Date | null;
  }>(
    `SELECT p.id, p.name, p.timezone, p.disabled_at,
            (SELECT count(*)::int FROM rides r WHERE r.park_id = p.id) AS rides,
            (SELECT max(b.received_at) FROM batches b WHERE b.park_id = p.id) AS last_upload_at,
            (SELECT count(*)::int FROM batches b
              WHERE b.park_id = p.id AND b.state = 'failed' AND b.superseded_by IS NULL)
              AS failed_now
       FROM parks p ORDER BY p.id`,
  );
  const today = new Map<string, LocalDay>();
  for (const p of parks.rows) {
    const [day] = parkLocalDays(p.timezone, 1, nowMs);
    if (day) today.set(p.id, day);
  }
  const buckets = [...today].map(([park, d]) => ({ park, start: d.start, end: d.end }));
  const [states, health, hours] = await Promise.all([
    pool.query<{ park_id: string; state: BatchState; n: number }>(
      // $4/$5 (earliest start, latest end) tell the planner that today is a sliver of the
      // batches; from the arrays alone it guesses a ninth and scans them all.
      `SELECT b.park_id, b.state, count(*)::int AS n
         FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS d(park_id, start, "end")
         JOIN batches b ON b.park_id = d.park_id AND b.superseded_by IS NULL
          AND b.received_at >= d.start AND b.received_at < d."end"
        WHERE b.received_at >= $4::timestamptz AND b.received_at < $5::timestamptz
        GROUP BY b.park_id, b.state`,
      [
        buckets.map((b) => b.park),
        buckets.map((b) => b.start),
        buckets.map((b) => b.end),
        new Date(Math.min(nowMs, ...buckets.map((b) => b.start.getTime()))),
        new Date(Math.max(nowMs, ...buckets.map((b) => b.end.getTime()))),
      ],
    ),
    parkAgentHealth(pool, silentAfterMs),
    rideAvailability(pool, { buckets, ride: null }),
  ]);
  // Grouped by park once: looking each park up in the fleet's rows made this part quadratic
  // (a thousand parks × twenty thousand ride rows).
  const statesOf = groupByPark(states.rows, (s) => s.park_id);
  const hoursOf = groupByPark(hours, (h) => h.park);
  const healthOf = new Map(health.map((h) => [h.park, h]));
  return {
    generatedAt: new Date(nowMs).toISOString(),
    parks: parks.rows.map((p) => {
      const byState = emptyByState();
      for (const s of statesOf.get(p.id) ?? []) byState[s.state] = s.n;
      const agent = agentView(healthOf.get(p.id), nowMs);
      return {
        id: p.id,
        name: p.name,
        timezone: p.timezone,
        rides: p.rides,
        lastUploadAt: p.last_upload_at?.toISOString() ?? null,
        agent,
        today: {
          date: today.get(p.id)?.date ?? '',
          drops: Object.values(byState).reduce((a, b) => a + b, 0),
          byState,
          availability: availabilityOf(hoursOf.get(p.id) ?? []),
        },
        failedNow: p.failed_now,
        disabled: p.disabled_at !== null,
        attention: attentionOf({
          disabled: p.disabled_at !== null,
          agent,
          failedNow: p.failed_now,
          quarantinedToday: byState.quarantined,
        }),
      };
    }),
  };
}

function groupByPark<T>(rows: T[], parkOf: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const park = parkOf(row);
    const list = out.get(park);
    if (list) list.push(row);
    else out.set(park, [row]);
  }
  return out;
}

/**
 * Why a park needs a person, worst first. A silent agent's park-side figures (failing rides,
 * quarantine) are the last ones known and still count: a problem does not go away because the
 * agent stopped talking.
 */
export function attentionOf(p: {
  disabled: boolean;
  agent: AgentView;
  failedNow: number;
  quarantinedToday: number;
}): Attention[] {
  const out: Attention[] = [];
  if (p.disabled) return ['disabled'];
  if (p.agent.lastHeartbeatAt === null) out.push('never_heard');
  else if (p.agent.silent) out.push('silent');
  if (p.agent.rides?.some((r) => r.state === 'failing')) out.push('rides_failing');
  if (p.failedNow > 0) out.push('failed_drops');
  if ((p.agent.quarantinedDrops ?? 0) > 0) out.push('quarantined_at_park');
  if (p.quarantinedToday > 0) out.push('quarantined_today');
  if (p.agent.backlogGrowing) out.push('backlog_growing');
  if (p.agent.rides?.some((r) => r.state === 'paused')) out.push('rides_paused');
  return out;
}
