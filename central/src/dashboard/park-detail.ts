import type pg from 'pg';
import { parkAgentHealth } from '../agents/heartbeat-store.ts';
import { DomainError } from '../domain-error.ts';
import { rideAvailability } from '../reports/figures/ride-availability.ts';
import { agentView, withRideCounts } from './agent-view.ts';
import { attentionOf } from './attention.ts';
import {
  emptyByState,
  type BatchState,
  type ParkDetail,
  type ParkInput,
} from './dashboard-schemas.ts';
import { parkLocalDays, type LocalDay } from './park-local-days.ts';
import { openingHoursSchema, type OpeningHours } from '../parks/opening-hours.ts';

/** Stored opening hours; a hand-edited value that no longer parses is said, not guessed. */
function storedOpeningHours(park: string, value: unknown): OpeningHours {
  const parsed = openingHoursSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new Error(
    `park "${park}" has opening hours that do not parse (${parsed.error.issues[0]?.message ?? 'bad shape'}); an admin sets them again under Admin`,
  );
}

/** The dates, starts and ends of `days` as three SQL array parameters. */
export function dayArrays(days: LocalDay[]): [string[], Date[], Date[]] {
  return [days.map((d) => d.date), days.map((d) => d.start), days.map((d) => d.end)];
}

/** Throws a not-found DomainError naming the park; returns the park otherwise. */
export async function requirePark(
  pool: pg.Pool,
  park: string,
): Promise<{
  id: string;
  name: string;
  timezone: string;
  language: 'en' | 'it';
  created_at: Date;
  disabled_at: Date | null;
  opening_hours: unknown;
}> {
  const r = await pool.query<{
    id: string;
    name: string;
    timezone: string;
    language: 'en' | 'it';
    created_at: Date;
    disabled_at: Date | null;
    opening_hours: unknown;
  }>(
    `SELECT id, name, timezone, language, created_at, disabled_at, opening_hours
       FROM parks WHERE id = $1`,
    [park],
  );
  const row = r.rows[0];
  if (!row) throw new DomainError('not_found', `there is no park "${park}"`);
  return row;
}

/**
 * Availability over the time with data: 1 - fault minutes / minutes with data (the counting
 * rule, reports/figures/); null without data.
 */
export function availabilityOf(
  hours: { coveredMinutes: number; faultMinutes: number }[],
): number | null {
  const covered = hours.reduce((s, h) => s + h.coveredMinutes, 0);
  const fault = hours.reduce((s, h) => s + h.faultMinutes, 0);
  return covered > 0 ? Math.min(1, Math.max(0, 1 - fault / covered)) : null;
}

/**
 * One park: its rides (last drop, how current their data is, availability today), its agent,
 * drops per park-local day by state over the last `days` days (a drop a revision replaced is
 * not counted: its revision is), and its tokens' metadata.
 */
export async function parkDetail(
  pool: pg.Pool,
  input: ParkInput,
  silentAfterMs: number,
  nowMs = Date.now(),
): Promise<ParkDetail> {
  const park = await requirePark(pool, input.park);
  const tz = park.timezone;
  const days = parkLocalDays(tz, input.days, nowMs);
  const today = days.at(-1);
  if (!today) throw new Error('parkLocalDays gave no day');
  const [rides, drops, tokens, health, hours, data, failed] = await Promise.all([
    pool.query<{
      id: string;
      name: string;
      model: string;
      created_at: Date;
      last_drop_at: Date | null;
      last_window_end: Date | null;
    }>(
      `SELECT r.id, r.name, r.model, r.created_at,
              (SELECT max(b.received_at) FROM batches b
                WHERE b.park_id = r.park_id AND b.ride_id = r.id) AS last_drop_at,
              (SELECT max(b.window_end) FROM batches b
                WHERE b.park_id = r.park_id AND b.ride_id = r.id) AS last_window_end
         FROM rides r WHERE r.park_id = $1 ORDER BY r.id`,
      [park.id],
    ),
    pool.query<{ date: string; state: BatchState | null; n: number }>(
      // $5/$6 (first start, last end) tell the planner these days are a sliver of the park's
      // batches; from the arrays alone it reads all of them.
      `SELECT d.date, b.state, count(b.id)::int AS n
         FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS d(date, start, "end")
         LEFT JOIN batches b ON b.park_id = $1 AND b.superseded_by IS NULL
          AND b.received_at >= d.start AND b.received_at < d."end"
          AND b.received_at >= $5::timestamptz AND b.received_at < $6::timestamptz
        GROUP BY d.date, b.state ORDER BY d.date`,
      [park.id, ...dayArrays(days), days[0]?.start ?? today.start, today.end],
    ),
    pool.query<{
      id: string;
      label: string;
      created_at: Date;
      last_used_at: Date | null;
      revoked_at: Date | null;
    }>(
      `SELECT id, label, created_at, last_used_at, revoked_at FROM park_tokens
        WHERE park_id = $1 ORDER BY id`,
      [park.id],
    ),
    parkAgentHealth(pool, silentAfterMs, park.id),
    rideAvailability(pool, {
      buckets: [{ park: park.id, start: today.start, end: today.end }],
      ride: null,
    }),
    pool.query<{ has: boolean }>(
      // The reports half ordered like their index: as an EXISTS, with a thousand parks, the
      // planner walks the reports table hoping to meet the park early, and reads all of it for
      // a park that has none.
      `SELECT EXISTS (SELECT 1 FROM batches WHERE park_id = $1)
           OR (SELECT true FROM reports WHERE park_id = $1
                ORDER BY requested_at LIMIT 1) IS NOT NULL AS has`,
      [park.id],
    ),
    pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM batches
        WHERE park_id = $1 AND state = 'failed' AND superseded_by IS NULL`,
      [park.id],
    ),
  ]);
  const agent = agentView(
    health.find((h) => h.park === park.id),
    nowMs,
  );
  const failedNow = failed.rows[0]?.n ?? 0;
  const byDay = new Map<string, ParkDetail['dropsByDay'][number]>();
  for (const row of drops.rows) {
    const day = byDay.get(row.date) ?? { date: row.date, drops: 0, byState: emptyByState() };
    if (row.state) {
      day.byState[row.state] += row.n;
      day.drops += row.n;
    }
    byDay.set(row.date, day);
  }
  return {
    park: {
      id: park.id,
      name: park.name,
      timezone: tz,
      language: park.language,
      createdAt: park.created_at.toISOString(),
      disabledAt: park.disabled_at?.toISOString() ?? null,
      openingHours: storedOpeningHours(park.id, park.opening_hours),
    },
    agent,
    rides: rides.rows.map((r) => ({
      id: r.id,
      name: r.name,
      model: r.model,
      createdAt: r.created_at.toISOString(),
      lastDropAt: r.last_drop_at?.toISOString() ?? null,
      lastWindowEnd: r.last_window_end?.toISOString() ?? null,
      availabilityToday: availabilityOf(hours.filter((h) => h.ride === r.id)),
      atPark: agent.rides?.find((x) => x.id === r.id) ?? null,
    })),
    dropsByDay: [...byDay.values()],
    tokens: tokens.rows.map((t) => ({
      id: String(t.id),
      label: t.label,
      createdAt: t.created_at.toISOString(),
      lastUsedAt: t.last_used_at?.toISOString() ?? null,
      revokedAt: t.revoked_at?.toISOString() ?? null,
    })),
    hasData: data.rows[0]?.has ?? false,
    failedNow,
    attention: attentionOf({
      disabled: park.disabled_at !== null,
      agent: withRideCounts(agent),
      failedNow,
      quarantinedToday: byDay.get(today.date)?.byState.quarantined ?? 0,
    }),
  };
}
