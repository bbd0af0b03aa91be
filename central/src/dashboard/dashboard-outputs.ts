import { z } from 'zod';
import { BATCH_STATES, dropViewSchema } from '../parks/park-read-schemas.ts';
import { ROLES } from '../users/auth-schemas.ts';

/**
 * The dashboard API's answers, checked on the way out (`.output()`): a query that drifts from
 * what docs/central.md promises fails in the tests instead of surprising the dashboard.
 */
const n = z.number();
const count = z.number().int().nonnegative();
const text = z.string();
const maybe = <T extends z.ZodType>(t: T) => t.nullable();

export const byStateSchema = z.strictObject(
  Object.fromEntries(BATCH_STATES.map((s) => [s, count])) as Record<
    (typeof BATCH_STATES)[number],
    typeof count
  >,
);

export const agentViewSchema = z.strictObject({
  lastHeartbeatAt: maybe(text),
  version: maybe(text),
  backlogDrops: maybe(count),
  backlogBytes: maybe(count),
  backlogAgeS: maybe(n),
  bufferBytes: maybe(count),
  bufferCapBytes: maybe(count),
  offlineSince: maybe(text),
  silent: z.boolean(),
  backlogGrowing: z.boolean(),
});

export const fleetOverviewSchema = z.strictObject({
  generatedAt: text,
  parks: z.array(
    z.strictObject({
      id: text,
      name: text,
      timezone: text,
      rides: count,
      lastUploadAt: maybe(text),
      agent: agentViewSchema,
      today: z.strictObject({
        date: text,
        drops: count,
        byState: byStateSchema,
        availability: maybe(n),
      }),
      failedNow: count,
    }),
  ),
});

export const parkDetailSchema = z.strictObject({
  park: z.strictObject({
    id: text,
    name: text,
    timezone: text,
    language: z.enum(['en', 'it']),
    createdAt: text,
  }),
  agent: agentViewSchema,
  rides: z.array(
    z.strictObject({
      id: text,
      name: text,
      model: text,
      createdAt: text,
      lastDropAt: maybe(text),
      lastWindowEnd: maybe(text),
      availabilityToday: maybe(n),
    }),
  ),
  dropsByDay: z.array(z.strictObject({ date: text, drops: count, byState: byStateSchema })),
  tokens: z.array(z.strictObject({ id: text, createdAt: text, revokedAt: maybe(text) })),
});

export const rideDetailSchema = z.strictObject({
  ride: z.strictObject({ park: text, id: text, name: text, model: text, timezone: text }),
  days: z.array(
    z.strictObject({
      date: text,
      cycles: count,
      riders: count,
      availability: maybe(n),
      faultMinutes: n,
      hoursWithData: count,
    }),
  ),
  topAlarms: z.array(
    z.strictObject({ code: text, text, severity: text, count, activeS: n, downtimeS: n }),
  ),
  channels: z.array(
    z.strictObject({
      channel: text,
      unit: maybe(text),
      threshold: maybe(z.strictObject({ min: n.optional(), max: n.optional() })),
      cycles: count,
      p95Peak: n,
    }),
  ),
});

export const dashboardDropSchema = dropViewSchema.extend({ park: text });

export const dropListSchema = z.strictObject({
  drops: z.array(dashboardDropSchema),
  nextCursor: maybe(text),
});

export const jobRunViewSchema = z.strictObject({
  id: text,
  type: z.enum(['postprocess', 'report']),
  subject: text,
  park: maybe(text),
  attempt: count,
  worker: text,
  startedAt: text,
  endedAt: maybe(text),
  durationS: maybe(n),
  outcome: z.enum(['running', 'succeeded', 'retrying', 'failed', 'abandoned']),
  error: maybe(text),
});

export const jobRunListSchema = z.strictObject({
  runs: z.array(jobRunViewSchema),
  nextCursor: maybe(text),
});

export const dropDetailSchema = z.strictObject({
  drop: dashboardDropSchema.extend({ bytes: count }),
  supersededBy: maybe(text),
  replaces: z.array(text),
  results: z.strictObject({ cycles: count, alarms: count, breaches: count, hours: count }),
  quality: z.array(z.strictObject({ kind: text, channel: maybe(text), at: text, detail: text })),
  jobRuns: z.array(jobRunViewSchema),
});

export const queueStatusSchema = z.strictObject({
  broker: z.enum(['reachable', 'unreachable']),
  brokerError: maybe(text),
  queues: z.array(
    z.strictObject({
      queue: z.enum(['postprocess', 'report']),
      deadLetter: z.boolean(),
      name: text,
      messages: count,
      consumers: count,
    }),
  ),
  outbox: z.strictObject({ unpublished: count, oldestAgeS: n }),
  running: z.strictObject({ postprocess: count, report: count }),
  batchesByState: byStateSchema,
});

export const reportViewSchema = z.strictObject({
  id: text,
  park: text,
  ride: maybe(text),
  period: z.strictObject({ start: text, end: text }),
  language: z.enum(['en', 'it']),
  state: z.enum(['queued', 'running', 'ready', 'failed']),
  error: maybe(text),
  requestedAt: text,
  startedAt: maybe(text),
  finishedAt: maybe(text),
  files: maybe(z.strictObject({ pdf: text, html: text, summary: text })),
});

export const reportListSchema = z.strictObject({
  reports: z.array(reportViewSchema),
  nextCursor: maybe(text),
});

export const failureListSchema = z.strictObject({
  failed: z.array(dashboardDropSchema.extend({ attempts: count })),
  quarantined: z.array(dashboardDropSchema),
  reports: z.array(reportViewSchema),
});

export const userViewSchema = z.strictObject({
  id: text,
  username: text,
  role: z.enum(ROLES),
  createdAt: text,
});

export const sessionViewSchema = z.strictObject({
  user: userViewSchema,
  csrfToken: text,
  expiresAt: text,
});
