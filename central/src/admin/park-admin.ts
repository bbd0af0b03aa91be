import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { ParkNotFoundError } from '../parks/park-store.ts';

/** A park change that cannot be made as asked; the message says why and what to do instead. */
export class ParkAdminError extends Error {
  override name = 'ParkAdminError';
}

/**
 * Disables (or enables again) a park. A disabled park keeps its data and stays in the
 * dashboard, but its tokens are refused (`parkForToken`) and its report rules do not fire;
 * enabling it lets its unrevoked tokens in again. Missed firings of the disabled time are not
 * made up (the rules' `enabled_changed_at` moves to now).
 */
export async function setParkDisabled(
  pool: pg.Pool,
  park: string,
  disabled: boolean,
): Promise<{ park: string; disabledAt: string | null }> {
  return withTransaction(pool, async (c) => {
    const r = await c.query<{ id: string; disabled_at: Date | null }>(
      `UPDATE parks SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END
        WHERE id = $1 RETURNING id, disabled_at`,
      [park, disabled],
    );
    const row = r.rows[0];
    if (!row) throw new ParkNotFoundError(`there is no park "${park}"`);
    if (!disabled) {
      await c.query('UPDATE report_rules SET enabled_changed_at = now() WHERE park_id = $1', [
        park,
      ]);
    }
    return { park: row.id, disabledAt: row.disabled_at?.toISOString() ?? null };
  });
}

/**
 * Deletes a park that never sent data: its tokens, rides, heartbeat and report rules go with
 * it. A park with drops or reports is refused (its figures would vanish): disable it instead.
 */
export async function deletePark(pool: pg.Pool, park: string): Promise<void> {
  await withTransaction(pool, async (c) => {
    const r = await c.query<{ has: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM batches WHERE park_id = $1)
           OR EXISTS (SELECT 1 FROM reports WHERE park_id = $1)
           OR EXISTS (SELECT 1 FROM uploads WHERE park_id = $1) AS has
         FROM parks WHERE id = $1 FOR UPDATE`,
      [park],
    );
    const row = r.rows[0];
    if (!row) throw new ParkNotFoundError(`there is no park "${park}"`);
    if (row.has) {
      throw new ParkAdminError(
        `park "${park}" has drops or reports, which deleting it would take away: disable it instead (its data stays, its tokens stop working)`,
      );
    }
    await c.query('DELETE FROM report_rules WHERE park_id = $1', [park]);
    await c.query('DELETE FROM agent_heartbeats WHERE park_id = $1', [park]);
    await c.query('DELETE FROM park_tokens WHERE park_id = $1', [park]);
    await c.query('DELETE FROM rides WHERE park_id = $1', [park]);
    await c.query('DELETE FROM parks WHERE id = $1', [park]);
  });
}
