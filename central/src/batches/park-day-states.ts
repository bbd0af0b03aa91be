import type pg from 'pg';
import type { BATCH_STATES } from '../parks/park-read-schemas.ts';

/** One park's drops on one of its local days in one state. */
export interface ParkDayState {
  park: string;
  state: (typeof BATCH_STATES)[number];
  n: number;
}

/**
 * Each park's drops on the one local day asked for it, by state, from the counts the triggers
 * of migration `park-day-states` keep (a drop a revision replaced is not counted), instead of
 * reading that day's batches of every park. States with no drop are left out.
 */
export async function parkDayStates(
  db: pg.Pool | pg.PoolClient,
  days: readonly { park: string; date: string }[],
): Promise<ParkDayState[]> {
  if (days.length === 0) return [];
  const dates = days.map((d) => d.date).sort();
  const r = await db.query<ParkDayState>(
    // $3/$4 (the first and last date) let both tables be read by their index on the day.
    `SELECT c.park_id AS park, c.state, sum(c.n)::int AS n
       FROM (SELECT day, park_id, state, n FROM park_day_states
              WHERE day BETWEEN $3::date AND $4::date
             UNION ALL
             SELECT day, park_id, state, n FROM park_day_state_changes
              WHERE day BETWEEN $3::date AND $4::date) c
       JOIN unnest($1::text[], $2::date[]) AS d(park_id, day)
         ON d.park_id = c.park_id AND d.day = c.day
      GROUP BY c.park_id, c.state HAVING sum(c.n) <> 0`,
    [days.map((d) => d.park), days.map((d) => d.date), dates[0], dates.at(-1)],
  );
  return r.rows;
}

/**
 * Folds the rows the triggers appended into the kept counts, in one statement (a reader sees
 * either the rows or their sum; rows committed meanwhile stay for next time), then removes the
 * counts that came to zero. Keys are taken in order so two replicas folding at once wait on
 * each other instead of deadlocking. Returns how many rows it folded.
 */
export async function foldParkDayStates(db: pg.Pool | pg.PoolClient): Promise<number> {
  const r = await db.query<{ folded: number }>(
    `WITH gone AS (DELETE FROM park_day_state_changes RETURNING day, park_id, state, n),
          kept AS (INSERT INTO park_day_states (day, park_id, state, n)
                   SELECT day, park_id, state, sum(n) FROM gone
                    GROUP BY day, park_id, state ORDER BY day, park_id, state
                   ON CONFLICT (day, park_id, state)
                   DO UPDATE SET n = park_day_states.n + excluded.n)
     SELECT count(*)::int AS folded FROM gone`,
  );
  await db.query('DELETE FROM park_day_states WHERE n = 0');
  return r.rows[0]?.folded ?? 0;
}
