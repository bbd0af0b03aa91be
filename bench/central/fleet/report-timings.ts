import type pg from 'pg';
import { buildReportInput } from '../../../central/src/reports/report-input.ts';
import { createDashboardClient } from '../../../central/src/testing/dashboard-client.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { median } from '../../lib/stats.ts';

/** One report asked for by park-local days. */
export interface ReportCase {
  name: string;
  park: string;
  ride?: string;
  firstDay: string;
  lastDay: string;
}

/** Times of one report, each the median over the runs. */
export interface ReportTiming {
  name: string;
  runs: number;
  /** Request → ready, as the dashboard sees it (queue, worker, input, reporter, files). */
  endToEndMs: number;
  /** requested_at → finished_at in PostgreSQL (the worker's part, queue included). */
  databaseMs: number;
  /** Assembling the reporter's input alone (the figure SQL), in this process. */
  inputMs: number;
  hours: number;
  alarms: number;
}

/**
 * Requests each report through the dashboard API (as a viewer may) and waits until it is
 * ready; the workers build it with the real report job and the Rust reporter. The input is
 * also assembled here once per run, to tell the SQL's part from the rest.
 */
export async function timeReports(
  url: string,
  pool: pg.Pool,
  login: { username: string; password: string },
  cases: ReportCase[],
  runs: number,
): Promise<ReportTiming[]> {
  const session = createDashboardClient(url);
  await session.login(login.username, login.password);
  const out: ReportTiming[] = [];
  for (const c of cases) {
    const ends: number[] = [];
    const dbs: number[] = [];
    const inputs: number[] = [];
    let hours = 0;
    let alarms = 0;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const queued = await session.client.dashboard.requestReport.mutate({
        park: c.park,
        ...(c.ride ? { ride: c.ride } : {}),
        firstDay: c.firstDay,
        lastDay: c.lastDay,
      });
      const row = await waitFor(
        `report ${c.name} to be ready`,
        async () => {
          const r = await pool.query<{
            state: string;
            error: string | null;
            ms: number;
            period_start: Date;
            period_end: Date;
          }>(
            `SELECT state, error, period_start, period_end,
                    extract(epoch FROM finished_at - requested_at)::float8 * 1000 AS ms
               FROM reports WHERE id = $1`,
            [queued.reportId],
          );
          const s = r.rows[0];
          if (s?.state === 'failed') throw new Error(`report ${c.name} failed: ${s.error}`);
          return s?.state === 'ready' ? s : null;
        },
        { timeoutMs: 900_000, intervalMs: 50 },
      );
      ends.push(performance.now() - started);
      dbs.push(row.ms);
      const t = performance.now();
      const input = await buildReportInput(pool, {
        parkId: c.park,
        rideId: c.ride ?? null,
        start: row.period_start,
        end: row.period_end,
        language: 'en',
      });
      inputs.push(performance.now() - t);
      hours = input.hourly.length;
      alarms = input.alarms.length;
    }
    out.push({
      name: c.name,
      runs,
      endToEndMs: median(ends),
      databaseMs: median(dbs),
      inputMs: median(inputs),
      hours,
      alarms,
    });
  }
  return out;
}
