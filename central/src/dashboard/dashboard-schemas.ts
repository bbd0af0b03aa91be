import { slugSchema } from '@zra/shared';
import { z } from 'zod';
import { BATCH_STATES, type DropView } from '../parks/park-read-schemas.ts';

const instant = z.iso.datetime({ offset: true });
const limit = (max: number, fallback: number) => z.number().int().min(1).max(max).default(fallback);

export const parkInputSchema = z.strictObject({
  park: slugSchema,
  /** Park-local days of drop history, today included. */
  days: z.number().int().min(1).max(90).default(14),
});

export const rideInputSchema = z.strictObject({
  park: slugSchema,
  ride: slugSchema,
  /** Park-local days of KPIs, today included. */
  days: z.number().int().min(1).max(366).default(30),
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
  type: z.enum(['postprocess', 'report']).optional(),
  /** A batch or report id. */
  subject: z.uuid().optional(),
  park: slugSchema.optional(),
  /** `running` = no end yet. */
  outcome: z.enum(['running', 'succeeded', 'retrying', 'failed']).optional(),
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
export interface AgentView {
  lastHeartbeatAt: string | null;
  version: string | null;
  backlogDrops: number | null;
  backlogBytes: number | null;
  /** Seconds since the oldest drop waiting in the agent was pulled (0: empty backlog). */
  backlogAgeS: number | null;
  bufferBytes: number | null;
  bufferCapBytes: number | null;
  offlineSince: string | null;
  silent: boolean;
  backlogGrowing: boolean;
}

/** One park in the fleet overview. */
export interface FleetPark {
  id: string;
  name: string;
  timezone: string;
  rides: number;
  lastUploadAt: string | null;
  agent: AgentView;
  today: {
    /** The park-local date. */
    date: string;
    /** Drops received since the park's local midnight, by their current state. */
    drops: number;
    byState: ByState;
    /** Mean availability of today's ride-hours with data (0–1), null without data. */
    availability: number | null;
  };
  /** Drops currently `failed` (not replaced by a revision): they need a person. */
  failedNow: number;
}

export interface FleetOverview {
  generatedAt: string;
  parks: FleetPark[];
}

export interface RideSummary {
  id: string;
  name: string;
  model: string;
  createdAt: string;
  lastDropAt: string | null;
  /** End of the newest window received for the ride (how current its data is). */
  lastWindowEnd: string | null;
  availabilityToday: number | null;
}

export interface ParkDetail {
  park: {
    id: string;
    name: string;
    timezone: string;
    language: 'en' | 'it';
    createdAt: string;
  };
  agent: AgentView;
  rides: RideSummary[];
  /** Drops received per park-local day (oldest first, every day present), by current state. */
  dropsByDay: { date: string; drops: number; byState: ByState }[];
  /** Token metadata only; a token itself is shown once, when it is made. */
  tokens: { id: string; createdAt: string; revokedAt: string | null }[];
}

export interface RideDetail {
  ride: { park: string; id: string; name: string; model: string; timezone: string };
  /** KPIs per park-local day (oldest first, every day present; null: no data that day). */
  days: {
    date: string;
    cycles: number;
    riders: number;
    availability: number | null;
    faultMinutes: number;
    hoursWithData: number;
  }[];
  /** Top alarms of the period by occurrences, then downtime (at most 10). */
  topAlarms: {
    code: string;
    text: string;
    severity: string;
    count: number;
    downtimeS: number;
  }[];
}

/** A drop in the dashboard's lists: the park's view plus the park. */
export type DashboardDrop = DropView & { park: string };

export interface DropList {
  drops: DashboardDrop[];
  nextCursor: string | null;
}

export interface DropDetail {
  drop: DashboardDrop & { bytes: number };
  /** The batch (a revision) that replaced this one, if any. */
  supersededBy: string | null;
  /** Earlier batches this one replaced. */
  replaces: string[];
  /** Result rows post-processing wrote (0 before it ran). */
  results: { cycles: number; alarms: number; breaches: number; hours: number };
  /** Data-quality findings of the postprocessor (at most 200). */
  quality: { kind: string; channel: string | null; at: string; detail: string }[];
  /** Every attempt, newest first. */
  jobRuns: JobRunView[];
}

export interface JobRunView {
  id: string;
  type: 'postprocess' | 'report';
  subject: string;
  /** The park of the batch or report, when it still exists. */
  park: string | null;
  attempt: number;
  worker: string;
  startedAt: string;
  endedAt: string | null;
  durationS: number | null;
  outcome: 'running' | 'succeeded' | 'retrying' | 'failed';
  error: string | null;
}

export interface JobRunList {
  runs: JobRunView[];
  nextCursor: string | null;
}

export interface QueueStatus {
  broker: 'reachable' | 'unreachable';
  /** Why the broker could not be asked (only when unreachable). */
  brokerError: string | null;
  queues: {
    queue: 'postprocess' | 'report';
    deadLetter: boolean;
    name: string;
    /** Ready messages. */
    messages: number;
    consumers: number;
  }[];
  outbox: { unpublished: number; oldestAgeS: number };
  /** Job runs started and not ended, per type. */
  running: { postprocess: number; report: number };
  batchesByState: ByState;
}

export interface FailureList {
  /** Batches `failed` and not replaced: retry them with `admin.requeueBatch`. */
  failed: (DashboardDrop & { attempts: number })[];
  /** Drops rejected as invalid (the park must send a corrected drop). */
  quarantined: DashboardDrop[];
  reports: ReportView[];
}

export interface ReportView {
  id: string;
  park: string;
  ride: string | null;
  period: { start: string; end: string };
  language: 'en' | 'it';
  state: 'queued' | 'running' | 'ready' | 'failed';
  error: string | null;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Download links (same origin, session cookie) once ready. */
  files: { pdf: string; html: string; summary: string } | null;
}

export interface ReportList {
  reports: ReportView[];
  nextCursor: string | null;
}
