import type pg from 'pg';
import { dropDetail } from '../dashboard/drop-detail.ts';
import { dropList } from '../dashboard/drop-list.ts';
import { failureList } from '../dashboard/failure-list.ts';
import { fleetOverview } from '../dashboard/fleet-overview.ts';
import { parkList } from '../dashboard/park-list.ts';
import { jobRunList } from '../dashboard/job-run-list.ts';
import { parkDetail } from '../dashboard/park-detail.ts';
import { queueStatus } from '../dashboard/queue-status.ts';
import { reportList } from '../dashboard/report-list.ts';
import { reportRuleList } from '../dashboard/report-rule-list.ts';
import { rideDetail } from '../dashboard/ride-detail.ts';
import {
  dropListInputSchema,
  failureListInputSchema,
  jobRunListInputSchema,
  parkInputSchema,
  reportListInputSchema,
  rideInputSchema,
} from '../dashboard/dashboard-schemas.ts';
import { checkParkQuota } from '../ingest/park-quota.ts';
import { parkDrops, parkReports, parkStanding } from '../parks/park-reads.ts';
import type { BrokerProbe } from '../queue/broker-probe.ts';
import { buildReportInput } from '../reports/report-input.ts';

/** What the reads look at: a park with data, one of its rides and drops, a report period. */
export interface ReadTargets {
  park: { id: string; name: string; timezone: string; language: 'en' | 'it' };
  ride: string;
  /** A processed drop of the park. */
  batchId: string;
  /** A month of the park (its report), and the year of the ride's report. */
  month: { start: Date; end: Date };
  year: { start: Date; end: Date };
  nowMs: number;
  broker: BrokerProbe;
  queuePrefix: string;
}

/** One read the dashboard, the park read API or the report job makes. */
export interface NamedRead {
  name: string;
  run(pool: pg.Pool): Promise<unknown>;
}

const SILENT_AFTER_MS = 10 * 60_000;

/**
 * Every read of the dashboard API (`dashboard.*` queries with their common filters and a second
 * page), the park read API, the report input and the quota check of an upload's begin, aimed
 * at `t`. The query-plan test EXPLAINs what they send; the fleet benchmark times them.
 */
export function everyRead(t: ReadTargets): NamedRead[] {
  const read = (name: string, run: (pool: pg.Pool) => Promise<unknown>): NamedRead => ({
    name,
    run,
  });
  return [
    read('dashboard.fleet', (p) => fleetOverview(p, SILENT_AFTER_MS, t.nowMs)),
    read('dashboard.parks', (p) => parkList(p)),
    read('dashboard.park', (p) =>
      parkDetail(p, parkInputSchema.parse({ park: t.park.id }), SILENT_AFTER_MS, t.nowMs),
    ),
    read('dashboard.ride (30 days)', (p) =>
      rideDetail(
        p,
        rideInputSchema.parse({ park: t.park.id, ride: t.ride }),
        t.nowMs,
        SILENT_AFTER_MS,
      ),
    ),
    read('dashboard.ride (366 days)', (p) =>
      rideDetail(p, rideInputSchema.parse({ park: t.park.id, ride: t.ride, days: 366 }), t.nowMs),
    ),
    read('dashboard.drops (fleet)', (p) => dropList(p, dropListInputSchema.parse({}))),
    read('dashboard.drops (fleet, page 2)', async (p) => {
      const first = await dropList(p, dropListInputSchema.parse({}));
      return dropList(p, dropListInputSchema.parse({ cursor: first.nextCursor ?? undefined }));
    }),
    read('dashboard.drops (park)', (p) =>
      dropList(p, dropListInputSchema.parse({ park: t.park.id })),
    ),
    read('dashboard.drops (ride, live only)', (p) =>
      dropList(
        p,
        dropListInputSchema.parse({ park: t.park.id, ride: t.ride, includeSuperseded: false }),
      ),
    ),
    read('dashboard.drops (failed)', (p) =>
      dropList(p, dropListInputSchema.parse({ state: 'failed' })),
    ),
    read('dashboard.drops (park, a day)', (p) =>
      dropList(
        p,
        dropListInputSchema.parse({
          park: t.park.id,
          from: new Date(t.nowMs - 86_400_000).toISOString(),
          to: new Date(t.nowMs).toISOString(),
        }),
      ),
    ),
    read('dashboard.drop', (p) => dropDetail(p, t.batchId)),
    read('dashboard.jobRuns (fleet)', (p) => jobRunList(p, jobRunListInputSchema.parse({}))),
    read('dashboard.jobRuns (park)', (p) =>
      jobRunList(p, jobRunListInputSchema.parse({ park: t.park.id })),
    ),
    read('dashboard.jobRuns (failed)', (p) =>
      jobRunList(p, jobRunListInputSchema.parse({ outcome: 'failed' })),
    ),
    read('dashboard.jobRuns (running)', (p) =>
      jobRunList(p, jobRunListInputSchema.parse({ outcome: 'running' })),
    ),
    read('dashboard.queues', (p) => queueStatus(p, t.broker, t.queuePrefix)),
    read('dashboard.failures (fleet)', (p) => failureList(p, failureListInputSchema.parse({}))),
    read('dashboard.failures (park)', (p) =>
      failureList(p, failureListInputSchema.parse({ park: t.park.id })),
    ),
    read('dashboard.reports (fleet)', (p) => reportList(p, reportListInputSchema.parse({}))),
    read('dashboard.reports (park)', (p) =>
      reportList(p, reportListInputSchema.parse({ park: t.park.id })),
    ),
    read('dashboard.reportRules', (p) => reportRuleList(p, t.nowMs)),
    read('park.drops', (p) => parkDrops(p, t.park, { limit: 100 })),
    read('park.reports', (p) => parkReports(p, t.park, { limit: 50 })),
    read('park.standing', (p) => parkStanding(p, t.park)),
    // Every upload's begin checks the park's quota (a new drop: neither known nor resumed).
    read('ingest.begin (park quota)', (p) =>
      checkParkQuota(
        p,
        t.park,
        { sha256: '0'.repeat(64), contentId: '1'.repeat(64), bytes: 1 },
        { storedBytes: Number.MAX_SAFE_INTEGER, inFlightBytes: Number.MAX_SAFE_INTEGER },
      ),
    ),
    read('report input (park-month)', (p) =>
      buildReportInput(p, {
        parkId: t.park.id,
        rideId: null,
        start: t.month.start,
        end: t.month.end,
        language: 'en',
      }),
    ),
    read('report input (ride-year)', (p) =>
      buildReportInput(p, {
        parkId: t.park.id,
        rideId: t.ride,
        start: t.year.start,
        end: t.year.end,
        language: 'en',
      }),
    ),
  ];
}
