import type pg from 'pg';
import { mapInSlices } from '@zra/shared';
import { fleetAgentHealth } from '../agents/heartbeat-store.ts';
import { parkDayStates } from '../batches/park-day-states.ts';
import { fleetAgentView } from './agent-view.ts';
import { attentionOf } from './attention.ts';
import { fleetOverviewSchema } from './dashboard-outputs.ts';
import { keepAvailability, type AvailabilityKeeper } from './fleet-availability.ts';
import { groupByPark } from './group-by-park.ts';
import { emptyByState, type FleetOverview } from './dashboard-schemas.ts';
import { availabilityOf } from './park-detail.ts';
import { parkLocalDays, type LocalDay } from './park-local-days.ts';

/**
 * Every park at a glance: its agent (heartbeat, backlog age, silent / backlog-growing flags),
 * last upload, today's drops by state (park-local day, from the counts triggers keep; a drop a
 * revision replaced is not counted), today's availability by the counting rule, and current
 * failures. A handful of grouped queries, whatever the number of parks. Today's availability is
 * the one `availability` keeps (fleet-availability.ts); by default it is counted now.
 */
export async function fleetOverview(
  pool: pg.Pool,
  silentAfterMs: number,
  nowMs = Date.now(),
  availability: AvailabilityKeeper = keepAvailability(0),
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
  // A day per zone, not per park: resolving a zone's day costs ≈ 60 µs, which at a thousand
  // parks held the API's event loop for 60 ms each time the fleet page was computed.
  const dayOfZone = new Map<string, LocalDay | undefined>();
  const today = new Map<string, LocalDay>();
  for (const p of parks.rows) {
    if (!dayOfZone.has(p.timezone)) {
      dayOfZone.set(p.timezone, parkLocalDays(p.timezone, 1, nowMs)[0]);
    }
    const day = dayOfZone.get(p.timezone);
    if (day) today.set(p.id, day);
  }
  const [states, health, counted] = await Promise.all([
    parkDayStates(
      pool,
      [...today].map(([park, d]) => ({ park, date: d.date })),
    ),
    fleetAgentHealth(pool, silentAfterMs),
    availability.today(pool, today, nowMs),
  ]);
  const statesOf = groupByPark(states, (s) => s.park);
  const healthOf = new Map(health.map((h) => [h.park, h]));
  // Each park checked against the answer's schema as it is made, in slices: tRPC's output check
  // of the whole answer took 19-42 ms in one block on every call, at a thousand parks.
  const checked = await mapInSlices(parks.rows, (p) => {
    const byState = emptyByState();
    for (const s of statesOf.get(p.id) ?? []) byState[s.state] = s.n;
    const agent = fleetAgentView(healthOf.get(p.id), nowMs);
    return fleetParkSchema.parse({
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
        availability: availabilityOf(counted.hoursOf.get(p.id) ?? []),
      },
      failedNow: p.failed_now,
      disabled: p.disabled_at !== null,
      attention: attentionOf({
        disabled: p.disabled_at !== null,
        agent,
        failedNow: p.failed_now,
        quarantinedToday: byState.quarantined,
      }),
    });
  });
  return {
    generatedAt: new Date(nowMs).toISOString(),
    availabilityCountedAt: counted.countedAt.toISOString(),
    parks: checked,
  };
}

/** One park of the answer, as docs/central.md promises it. */
const fleetParkSchema = fleetOverviewSchema.shape.parks.element;
