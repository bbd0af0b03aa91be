import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import { oncePerScrape } from '../server/once-per-scrape.ts';

interface SourceRow {
  park_id: string;
  ride_id: string;
  consecutive_failures: number;
  last_success_s: number | null;
  files_waiting: number | null;
}

/**
 * Central pull's figures per ride, read from `ride_sources` at scrape time (download job pods
 * are gone before a scrape): `zra_central_pull_failures{park,ride}` (downloads failed in a row
 * since the last that worked; the alert ZraCentralPullFailing fires on it),
 * `zra_central_pull_last_success_timestamp_seconds` and `zra_central_pull_files_waiting`.
 * Only rides central pulls on a schedule, in enabled parks.
 */
export function registerPullMetrics(registry: Registry, pool: pg.Pool): void {
  const read = oncePerScrape(async () => {
    const r = await pool.query<SourceRow>(
      `SELECT s.park_id, s.ride_id, s.consecutive_failures, s.files_waiting,
              extract(epoch FROM s.last_success_at)::float8 AS last_success_s
         FROM ride_sources s JOIN parks p ON p.id = s.park_id
        WHERE s.mode = 'central' AND p.disabled_at IS NULL`,
    );
    return r.rows;
  });
  const labelNames = ['park', 'ride'] as const;
  new Gauge({
    name: 'zra_central_pull_failures',
    help: 'Central-pull downloads of the ride that failed in a row since the last one that worked.',
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await read().catch(() => [])) {
        this.set({ park: s.park_id, ride: s.ride_id }, s.consecutive_failures);
      }
    },
  });
  new Gauge({
    name: 'zra_central_pull_last_success_timestamp_seconds',
    help: 'When central last pulled the ride from its gateway without a failure (absent: never).',
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await read().catch(() => [])) {
        if (s.last_success_s !== null) {
          this.set({ park: s.park_id, ride: s.ride_id }, s.last_success_s);
        }
      }
    },
  });
  new Gauge({
    name: 'zra_central_pull_files_waiting',
    help: 'Files on the ride gateway central has not pulled yet, at its latest listing.',
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await read().catch(() => [])) {
        if (s.files_waiting !== null)
          this.set({ park: s.park_id, ride: s.ride_id }, s.files_waiting);
      }
    },
  });
}
