import { TRPCError } from '@trpc/server';
import { dayReportInputSchema, requestDayReport } from '../../admin/day-report-request.ts';
import { dropDetail } from '../../dashboard/drop-detail.ts';
import { reportRuleList } from '../../dashboard/report-rule-list.ts';
import { ReportRequestError } from '../../reports/report-store.ts';
import {
  dropDetailSchema,
  dropListSchema,
  failureListSchema,
  jobRunListSchema,
  parkDetailSchema,
  parkListSchema,
  queueStatusSchema,
  reportListSchema,
  reportRuleListSchema,
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
import { jobRunList } from '../../dashboard/job-run-list.ts';
import { parkDetail } from '../../dashboard/park-detail.ts';
import { parkList } from '../../dashboard/park-list.ts';
import { queueStatus } from '../../dashboard/queue-status.ts';
import { reportList } from '../../dashboard/report-list.ts';
import { rideDetail } from '../../dashboard/ride-detail.ts';
import { router, userProcedure } from '../trpc.ts';

/**
 * What the dashboard reads, for any signed-in user (viewer or admin); queries, plus the one
 * change every role may make: requesting a report.
 */
export const dashboardRouter = router({
  // Checked against fleetOverviewSchema park by park as the snapshot is computed
  // (fleet-overview.ts), not on every call: at a thousand parks that took 19-42 ms a call.
  fleet: userProcedure.query(({ ctx }) => ctx.fleet.get()),
  parks: userProcedure.output(parkListSchema).query(({ ctx }) => parkList(ctx.pool)),
  park: userProcedure
    .input(parkInputSchema)
    .output(parkDetailSchema)
    .query(({ ctx, input }) => parkDetail(ctx.pool, input, ctx.settings.silentAfterMs)),
  ride: userProcedure
    .input(rideInputSchema)
    .output(rideDetailSchema)
    .query(({ ctx, input }) => rideDetail(ctx.pool, input, Date.now(), ctx.settings.silentAfterMs)),
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
  reportRules: userProcedure
    .output(reportRuleListSchema)
    .query(({ ctx }) => reportRuleList(ctx.pool)),
  /** A report of park-local days (`firstDay`..`lastDay` inclusive); viewers may ask too. */
  requestReport: userProcedure.input(dayReportInputSchema).mutation(async ({ ctx, input }) => {
    try {
      const queued = await requestDayReport(ctx.pool, input);
      ctx.onEnqueued();
      ctx.log.info({ reportId: queued.reportId, park: input.park }, 'report requested');
      return queued;
    } catch (err) {
      if (err instanceof ReportRequestError) {
        throw new TRPCError({ code: 'NOT_FOUND', message: err.message });
      }
      throw err;
    }
  }),
});
