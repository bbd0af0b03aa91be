import { dropDetail } from '../../dashboard/drop-detail.ts';
import {
  dropDetailSchema,
  dropListSchema,
  failureListSchema,
  fleetOverviewSchema,
  jobRunListSchema,
  parkDetailSchema,
  queueStatusSchema,
  reportListSchema,
  rideDetailSchema,
} from '../../dashboard/dashboard-outputs.ts';
import {
  dropDetailInputSchema,
  dropListInputSchema,
  failureListInputSchema,
  jobRunListInputSchema,
  parkInputSchema,
  reportListInputSchema,
  rideInputSchema,
} from '../../dashboard/dashboard-schemas.ts';
import { dropList } from '../../dashboard/drop-list.ts';
import { failureList } from '../../dashboard/failure-list.ts';
import { fleetOverview } from '../../dashboard/fleet-overview.ts';
import { jobRunList } from '../../dashboard/job-run-list.ts';
import { parkDetail } from '../../dashboard/park-detail.ts';
import { queueStatus } from '../../dashboard/queue-status.ts';
import { reportList } from '../../dashboard/report-list.ts';
import { rideDetail } from '../../dashboard/ride-detail.ts';
import { listReportRules } from '../../scheduler/report-rules.ts';
import { router, userProcedure } from '../trpc.ts';

/** What the dashboard reads; any signed-in user (viewer or admin). Queries only. */
export const dashboardRouter = router({
  fleet: userProcedure
    .output(fleetOverviewSchema)
    .query(({ ctx }) => fleetOverview(ctx.pool, ctx.settings.silentAfterMs)),
  park: userProcedure
    .input(parkInputSchema)
    .output(parkDetailSchema)
    .query(({ ctx, input }) => parkDetail(ctx.pool, input, ctx.settings.silentAfterMs)),
  ride: userProcedure
    .input(rideInputSchema)
    .output(rideDetailSchema)
    .query(({ ctx, input }) => rideDetail(ctx.pool, input)),
  drops: userProcedure
    .input(dropListInputSchema)
    .output(dropListSchema)
    .query(({ ctx, input }) => dropList(ctx.pool, input)),
  drop: userProcedure
    .input(dropDetailInputSchema)
    .output(dropDetailSchema)
    .query(({ ctx, input }) => dropDetail(ctx.pool, input.batchId)),
  jobRuns: userProcedure
    .input(jobRunListInputSchema)
    .output(jobRunListSchema)
    .query(({ ctx, input }) => jobRunList(ctx.pool, input)),
  queues: userProcedure
    .output(queueStatusSchema)
    .query(({ ctx }) => queueStatus(ctx.pool, ctx.broker, ctx.settings.queuePrefix)),
  failures: userProcedure
    .input(failureListInputSchema)
    .output(failureListSchema)
    .query(({ ctx, input }) => failureList(ctx.pool, input)),
  reports: userProcedure
    .input(reportListInputSchema)
    .output(reportListSchema)
    .query(({ ctx, input }) => reportList(ctx.pool, input)),
  reportRules: userProcedure.query(async ({ ctx }) => ({
    rules: await listReportRules(ctx.pool),
  })),
});
