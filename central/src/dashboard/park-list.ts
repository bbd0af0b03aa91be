import type pg from 'pg';
import type { ParkList } from './dashboard-schemas.ts';

/**
 * Every park's id, name, zone and whether it is disabled: what the report form, the schedules,
 * central pull and admin pick parks from. They polled the fleet page for it, which at a
 * thousand parks is 3.4 MB and about 45 ms of the API's event loop per call (docs/performance.md).
 */
export async function parkList(pool: pg.Pool): Promise<ParkList> {
  const rows = await pool.query<{ id: string; name: string; timezone: string; disabled: boolean }>(
    'SELECT id, name, timezone, disabled_at IS NOT NULL AS disabled FROM parks ORDER BY id',
  );
  return { parks: rows.rows };
}
