import type pg from 'pg';
import { createDashboardClient } from '../../../central/src/testing/dashboard-client.ts';
import { createParkClient } from '../../../central/src/testing/test-central.ts';
import { median, percentile } from '../../lib/stats.ts';

/** A park and ride with a year of data, and a processed drop of that park. */
export interface Target {
  park: string;
  ride: string;
  batchId: string;
  token: string;
}

/** One call of the dashboard or park API, aimed at the i-th target. */
interface Call {
  name: string;
  /** Puts the database in the state the call is timed in (not timed). */
  prepare?(t: Target): Promise<unknown>;
  run(t: Target): Promise<unknown>;
}

/** p50 / p95 / max of one call, in milliseconds. */
export interface CallTiming {
  name: string;
  n: number;
  p50: number;
  p95: number;
  max: number;
}

/**
 * Every dashboard read over HTTP as a signed-in viewer (tRPC, session cookie, output checked by
 * zod), and the park read API with a park token: what a browser or an agent waits for.
 */
export async function timeDashboard(
  url: string,
  db: pg.Pool,
  login: { username: string; password: string },
  targets: Target[],
  samples: number,
): Promise<CallTiming[]> {
  const session = createDashboardClient(url);
  await session.login(login.username, login.password);
  const d = session.client.dashboard;
  const touchNewestDrop = (t: Target) =>
    db.query(
      `UPDATE batches SET updated_at = now()
        WHERE id = (SELECT id FROM batches WHERE park_id = $1 AND ride_id = $2
                     ORDER BY window_start DESC LIMIT 1)`,
      [t.park, t.ride],
    );
  const calls: Call[] = [
    { name: 'fleet', run: () => d.fleet.query() },
    { name: 'park (14 days)', run: (t) => d.park.query({ park: t.park }) },
    {
      // The ride's first page since its days were last kept: every day computed and written
      // (dashboard/ride-day-store.ts), as once per ride after the upgrade that added them.
      name: 'ride (366 days), nothing kept',
      prepare: async (t) => {
        await db.query('DELETE FROM ride_day_figures WHERE park_id = $1 AND ride_id = $2', [
          t.park,
          t.ride,
        ]);
        // Also a new version of the ride's data, so the API has no page of it in memory.
        await touchNewestDrop(t);
      },
      run: (t) => d.ride.query({ park: t.park, ride: t.ride, days: 366 }),
    },
    {
      // The usual first view: the days are kept, and a drop of the ride has changed since
      // (its newest batch row written again), so its day is computed again.
      name: 'ride (366 days), after a drop',
      prepare: touchNewestDrop,
      run: (t) => d.ride.query({ park: t.park, ride: t.ride, days: 366 }),
    },
    {
      // Right after the call above: the same page again, its data unchanged (the ride's
      // figures are kept in memory per version of its data, dashboard/ride-figures-cache.ts).
      name: 'ride (366 days), viewed again',
      run: (t) => d.ride.query({ park: t.park, ride: t.ride, days: 366 }),
    },
    { name: 'ride (30 days)', run: (t) => d.ride.query({ park: t.park, ride: t.ride }) },
    { name: 'drops (fleet)', run: () => d.drops.query({}) },
    { name: 'drops (park)', run: (t) => d.drops.query({ park: t.park }) },
    {
      name: 'drops (ride, live)',
      run: (t) => d.drops.query({ park: t.park, ride: t.ride, includeSuperseded: false }),
    },
    { name: 'drops (failed)', run: () => d.drops.query({ state: 'failed' }) },
    { name: 'drop', run: (t) => d.drop.query({ batchId: t.batchId }) },
    { name: 'jobRuns (fleet)', run: () => d.jobRuns.query({}) },
    { name: 'jobRuns (park)', run: (t) => d.jobRuns.query({ park: t.park }) },
    { name: 'jobRuns (failed)', run: () => d.jobRuns.query({ outcome: 'failed' }) },
    { name: 'queues', run: () => d.queues.query() },
    { name: 'failures (fleet)', run: () => d.failures.query({}) },
    { name: 'failures (park)', run: (t) => d.failures.query({ park: t.park }) },
    { name: 'reports (fleet)', run: () => d.reports.query({}) },
    { name: 'reports (park)', run: (t) => d.reports.query({ park: t.park }) },
    { name: 'reportRules', run: () => d.reportRules.query() },
    {
      name: 'park.standing (agent)',
      run: (t) => createParkClient(url, t.token).park.standing.query(),
    },
    {
      name: 'park.drops since 1 h (agent)',
      run: (t) =>
        createParkClient(url, t.token).park.drops.query({
          since: new Date(Date.now() - 3_600_000).toISOString(),
        }),
    },
  ];
  const times = new Map<string, number[]>(calls.map((c) => [c.name, []]));
  // One warm-up round (connections, JIT, the pages the first call reads), then the samples,
  // one call at a time: latency, not throughput.
  for (let i = -1; i < samples; i++) {
    const t = targets[((i % targets.length) + targets.length) % targets.length];
    if (!t) throw new Error('no target parks');
    for (const call of calls) {
      await call.prepare?.(t);
      const started = performance.now();
      await call.run(t);
      if (i >= 0) times.get(call.name)?.push(performance.now() - started);
    }
  }
  return summarise(times);
}

/** p50 / p95 / max per name. */
export function summarise(times: Map<string, number[]>): CallTiming[] {
  return [...times].map(([name, ms]) => ({
    name,
    n: ms.length,
    p50: median(ms),
    p95: percentile(ms, 0.95),
    max: Math.max(...ms),
  }));
}
