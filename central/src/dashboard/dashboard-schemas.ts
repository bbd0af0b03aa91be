import { slugSchema } from '@zra/shared';
import { z } from 'zod';
import { BATCH_STATES } from '../parks/park-read-schemas.ts';
import type * as out from './dashboard-outputs.ts';

const instant = z.iso.datetime({ offset: true });
const limit = (max: number, fallback: number) => z.number().int().min(1).max(max).default(fallback);

export const parkInputSchema = z.strictObject({
  park: slugSchema,
  /** Park-local days of drop history, today included. */
  days: z.number().int().min(1).max(90).default(14),
});

/** The most park-local days a ride page shows: a year, a leap day included. */
export const RIDE_PAGE_MAX_DAYS = 366;

export const rideInputSchema = z.strictObject({
  park: slugSchema,
  ride: slugSchema,
  /** Park-local days of KPIs, today included. */
  days: z.number().int().min(1).max(RIDE_PAGE_MAX_DAYS).default(30),
});

export const dropListInputSchema = z.strictObject({
  park: slugSchema.optional(),
  ride: slugSchema.optional(),
  state: z.enum(BATCH_STATES).optional(),
  /** Received at or after this instant. */
  from: instant.optional(),
  /** Received before this instant. */
  to: instant.optional(),
  /** false hides drops that a later revision replaced. */
  includeSuperseded: z.boolean().default(true),
  limit: limit(500, 50),
  /** `nextCursor` of the previous page (a batch id). */
  cursor: z.uuid().optional(),
});

export const jobRunListInputSchema = z.strictObject({
  type: z.enum(['postprocess', 'report', 'download']).optional(),
  /** A batch or report id. */
  subject: z.uuid().optional(),
  park: slugSchema.optional(),
  /** `running` = no end yet. */
  outcome: z.enum(['running', 'succeeded', 'retrying', 'failed', 'abandoned']).optional(),
  limit: limit(500, 50),
  /** `nextCursor` of the previous page (a job run id). */
  cursor: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional(),
});

export const dropDetailInputSchema = z.strictObject({ batchId: z.uuid() });

export const failureListInputSchema = z.strictObject({
  park: slugSchema.optional(),
  limit: limit(500, 50),
});

export const reportListInputSchema = z.strictObject({
  park: slugSchema.optional(),
  ride: slugSchema.optional(),
  state: z.enum(['queued', 'running', 'ready', 'failed']).optional(),
  limit: limit(500, 50),
  /** `nextCursor` of the previous page (a report id). */
  cursor: z.uuid().optional(),
});

export type ParkInput = z.infer<typeof parkInputSchema>;
export type RideInput = z.infer<typeof rideInputSchema>;
export type DropListInput = z.infer<typeof dropListInputSchema>;
export type JobRunListInput = z.infer<typeof jobRunListInputSchema>;
export type FailureListInput = z.infer<typeof failureListInputSchema>;
export type ReportListInput = z.infer<typeof reportListInputSchema>;

export type BatchState = (typeof BATCH_STATES)[number];
export type ByState = Record<BatchState, number>;

/** Every state at 0, so charts get a stable set of keys. */
export function emptyByState(): ByState {
  return Object.fromEntries(BATCH_STATES.map((s) => [s, 0])) as ByState;
}

/** The agent side of a park, from its latest heartbeat (null fields: never heard from). */
export type AgentView = z.infer<typeof out.agentViewSchema>;
export type RideAtPark = z.infer<typeof out.rideAtParkSchema>;
export type RideCounts = z.infer<typeof out.rideCountsSchema>;
/** The fleet page's agent: rides counted, not listed. */
export type FleetAgentView = z.infer<typeof out.fleetAgentSchema>;
export type Attention = (typeof out.ATTENTION)[number];
export type FailureView = z.infer<typeof out.failureViewSchema>;
export type ReportRuleView = z.infer<typeof out.reportRuleViewSchema>;
export type ReportRuleList = z.infer<typeof out.reportRuleListSchema>;
export type ParkList = z.infer<typeof out.parkListSchema>;
export type FleetOverview = z.infer<typeof out.fleetOverviewSchema>;
/** One park in the fleet overview. */
export type FleetPark = FleetOverview['parks'][number];
export type ParkDetail = z.infer<typeof out.parkDetailSchema>;
export type RideSummary = ParkDetail['rides'][number];
export type RideDetail = z.infer<typeof out.rideDetailSchema>;
/** A drop in the dashboard's lists: the park's view plus the park. */
export type DashboardDrop = z.infer<typeof out.dashboardDropSchema>;
export type DropList = z.infer<typeof out.dropListSchema>;
export type DropDetail = z.infer<typeof out.dropDetailSchema>;
export type JobRunView = z.infer<typeof out.jobRunViewSchema>;
export type JobRunList = z.infer<typeof out.jobRunListSchema>;
export type QueueStatus = z.infer<typeof out.queueStatusSchema>;
export type FailureList = z.infer<typeof out.failureListSchema>;
export type ReportView = z.infer<typeof out.reportViewSchema>;
export type ReportList = z.infer<typeof out.reportListSchema>;
