import { TRPCError } from '@trpc/server';
import type pg from 'pg';
import { parkAgentHealth } from '../agents/heartbeat-store.ts';
import { agentView } from './agent-view.ts';
import {
  emptyByState,
  type BatchState,
  type ParkDetail,
  type ParkInput,
} from './dashboard-schemas.ts';

/** Throws NOT_FOUND naming the park; returns its time zone otherwise. */
export async function requirePark(
  pool: pg.Pool,
  park: string,
): Promise<{
  id: string;
  name: string;
  timezone: string;
  language: 'en' | 'it';
  created_at: Date;
}> {
  const r = await pool.query<{
    id: string;
    name: string;
    timezone: string;
    language: 'en' | 'it';
    created_at: Date;
  }>('SELECT id, name, timezone, language, created_at FROM parks WHERE id = $1', [park]);
  const row = r.rows[0];
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `there is no park "${park}"` });
  return row;
}

/**
 * One park: its rides (last drop, how current their data is, availability today), its agent,
 * drops per park-local day by state over the last `days` days, and its tokens' metadata.
 */
export async function parkDetail(
  pool: pg.Pool,
  input: ParkInput,
  silentAfterMs: number,
): Promise<ParkDetail> {
  const park = await requirePark(pool, input.park);
  const tz = park.timezone;
  const [rides, days, tokens, health] = await Promise.all([
    pool.query<{
      id: string;
      name: string;
      model: string;
      created_at: Date;
      last_drop_at: Date | null;
      last_window_end: Date | null;
      availability: number | null;
    }>(
      `SELECT r.id, r.name, r.model, r.created_at,
              (SELECT max(b.received_at) FROM batches b
                WHERE b.park_id = r.park_id AND b.ride_id = r.id) AS last_drop_at,
              (SELECT max(b.window_end) FROM batches b
                WHERE b.park_id = r.park_id AND b.ride_id = r.id) AS last_window_end,
              (SELECT avg(h.availability)::float8 FROM hourly_aggregates h
                 JOIN batches b ON b.id = h.batch_id AND b.superseded_by IS NULL
                WHERE h.park_id = r.park_id AND h.ride_id = r.id
                  AND h.hour_start >= date_trunc('day', now() AT TIME ZONE $2) AT TIME ZONE $2)
                AS availability
         FROM rides r WHERE r.park_id = $1 ORDER BY r.id`,
      [park.id, tz],
    ),
    pool.query<{ date: string; state: BatchState | null; n: number }>(
      `WITH bounds AS (
         SELECT (date_trunc('day', now() AT TIME ZONE $2) - ($3::int - 1) * interval '1 day') AS first_day,
                date_trunc('day', now() AT TIME ZONE $2) AS last_day)
       SELECT to_char(d.day, 'YYYY-MM-DD') AS date, b.state, count(b.id)::int AS n
         FROM bounds, generate_series(bounds.first_day, bounds.last_day, interval '1 day') AS d(day)
         LEFT JOIN batches b ON b.park_id = $1
          AND b.received_at >= d.day AT TIME ZONE $2
          AND b.received_at < (d.day + interval '1 day') AT TIME ZONE $2
        GROUP BY d.day, b.state ORDER BY d.day`,
      [park.id, tz, input.days],
    ),
    pool.query<{ id: string; created_at: Date; revoked_at: Date | null }>(
      'SELECT id, created_at, revoked_at FROM park_tokens WHERE park_id = $1 ORDER BY id',
      [park.id],
    ),
    parkAgentHealth(pool, silentAfterMs),
  ]);
  const byDay = new Map<string, ParkDetail['dropsByDay'][number]>();
  for (const row of days.rows) {
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
    },
    agent: agentView(health.find((h) => h.park === park.id)),
    rides: rides.rows.map((r) => ({
      id: r.id,
      name: r.name,
      model: r.model,
      createdAt: r.created_at.toISOString(),
      lastDropAt: r.last_drop_at?.toISOString() ?? null,
      lastWindowEnd: r.last_window_end?.toISOString() ?? null,
      availabilityToday: r.availability,
    })),
    dropsByDay: [...byDay.values()],
    tokens: tokens.rows.map((t) => ({
      id: String(t.id),
      createdAt: t.created_at.toISOString(),
      revokedAt: t.revoked_at?.toISOString() ?? null,
    })),
  };
}
