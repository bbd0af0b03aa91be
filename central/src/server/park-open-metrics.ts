import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import { openingHoursSchema, resolveOpeningDays } from '../parks/opening-hours.ts';
import { oncePerScrape } from './once-per-scrape.ts';

/** A park and whether it is within its opening hours at `now`. */
export interface ParkOpen {
  park: string;
  open: boolean;
}

/**
 * Which enabled parks are within their opening hours now, each by its own time zone and hours
 * (a stored value that does not parse counts as open: an unknown schedule must not hide a
 * silent park). The park-silent alert pages only for a park that should be sending.
 */
export async function parksOpenAt(pool: pg.Pool, now: Date): Promise<ParkOpen[]> {
  const r = await pool.query<{ id: string; timezone: string; opening_hours: unknown }>(
    'SELECT id, timezone, opening_hours FROM parks WHERE disabled_at IS NULL ORDER BY id',
  );
  return r.rows.map((row) => {
    const hours = openingHoursSchema.safeParse(row.opening_hours);
    if (!hours.success) return { park: row.id, open: true };
    // Yesterday to tomorrow, park-local: a window past midnight still counts.
    const days = resolveOpeningDays(
      hours.data,
      row.timezone,
      new Date(now.getTime() - 86_400_000),
      new Date(now.getTime() + 86_400_000),
    );
    const open = days.some(
      (d) => d.open !== null && d.close !== null && d.open <= now && now < d.close,
    );
    return { park: row.id, open };
  });
}

/** `zra_park_open{park}`: 1 while the park is within its opening hours, 0 otherwise. */
export function registerParkOpenMetrics(
  registry: Registry,
  pool: pg.Pool,
  now: () => Date = () => new Date(),
) {
  const parks = oncePerScrape(() => parksOpenAt(pool, now()));
  new Gauge({
    name: 'zra_park_open',
    help: 'Parks within their opening hours now (1), by the park time zone; closed parks are 0.',
    labelNames: ['park'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const p of await parks().catch(() => [])) this.set({ park: p.park }, p.open ? 1 : 0);
    },
  });
}
