import { z } from 'zod';
import { BATCH_STATES, dropViewSchema } from '../parks/park-read-schemas.ts';
import { ROLES } from '../users/auth-schemas.ts';
import { openingHoursSchema } from '../parks/opening-hours.ts';
import { FIXERS } from './who-fixes.ts';

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

/** One ride's pulling at the park, as the agent last reported it. */
export const rideAtParkSchema = z.strictObject({
  id: text,
  lastPullAt: maybe(text),
  lastSuccessAt: maybe(text),
  /** `failing`: the last pull failed or the host key changed; `paused`: the buffer is full. */
  state: z.enum(['ok', 'failing', 'paused', 'never_pulled']),
  /** The agent's own sentence (the gateway's error, the pause reason); null when fine. */
  problem: maybe(text),
});

export const agentViewSchema = z.strictObject({
  /** When central last heard from the agent: every figure below is as of then. */
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
  /** Null: the agent does not report its rides (an older agent, or never heard from). */
  rides: maybe(z.array(rideAtParkSchema)),
  /** Drops the agent keeps aside as invalid; null when not reported. */
  quarantinedDrops: maybe(count),
  quarantineLatestAt: maybe(text),
});

/** The rides the agent reports, counted by state: the fleet page's summary of `rides`. */
export const rideCountsSchema = z.strictObject({ total: count, failing: count, paused: count });

/**
 * The fleet page's agent: the park page's, with the rides counted instead of listed. At a
 * thousand parks of twenty rides the lists were 3 MB of the page's 3.4 MB, serialized for every
 * viewer every poll; the page shows only the counts ("2 of 20 rides failing").
 */
export const fleetAgentSchema = agentViewSchema
  .omit({ rides: true })
  .extend({ rideCounts: maybe(rideCountsSchema) });

/** Why a park needs a person, worst first (docs/central.md, Fleet). */
export const ATTENTION = [
  'disabled',
  'never_heard',
  'silent',
  'rides_failing',
  'failed_drops',
  'quarantined_at_park',
  'quarantined_today',
  'backlog_growing',
  'rides_paused',
] as const;

/** Every park's name and zone: what forms and pickers need, without the fleet page's figures. */
export const parkListSchema = z.strictObject({
  parks: z.array(z.strictObject({ id: text, name: text, timezone: text, disabled: z.boolean() })),
});

export const fleetOverviewSchema = z.strictObject({
  generatedAt: text,
  /** When today's availability was counted: it is kept longer than the rest (fleet-availability.ts). */
  availabilityCountedAt: text,
  parks: z.array(
    z.strictObject({
      id: text,
      name: text,
      timezone: text,
      rides: count,
      lastUploadAt: maybe(text),
      agent: fleetAgentSchema,
      today: z.strictObject({
        date: text,
        drops: count,
        byState: byStateSchema,
        availability: maybe(n),
      }),
      failedNow: count,
      disabled: z.boolean(),
      attention: z.array(z.enum(ATTENTION)),
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
    disabledAt: maybe(text),
    openingHours: openingHoursSchema,
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
      /** The ride's pulling at the park (null: the agent does not report this ride). */
      atPark: maybe(rideAtParkSchema),
    }),
  ),
  dropsByDay: z.array(z.strictObject({ date: text, drops: count, byState: byStateSchema })),
  tokens: z.array(
    z.strictObject({
      id: text,
      label: text,
      createdAt: text,
      lastUsedAt: maybe(text),
      revokedAt: maybe(text),
    }),
  ),
  /** The park has drops or reports: it can be disabled, but not deleted. */
  hasData: z.boolean(),
  /** Live drops (not replaced by a revision) that failed at central. */
  failedNow: count,
  /** Why the park needs a person, as the fleet page says it. */
  attention: z.array(z.enum(ATTENTION)),
});

export const rideDetailSchema = z.strictObject({
  ride: z.strictObject({
    park: text,
    parkName: text,
    id: text,
    name: text,
    model: text,
    timezone: text,
  }),
  /** The ride's pulling at the park, as of `agentHeardAt` (null: not reported). */
  atPark: maybe(rideAtParkSchema),
  agentHeardAt: maybe(text),
  agentSilent: z.boolean(),
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

/** A drop in the dashboard: the park's view plus the park and its time zone. */
export const dashboardDropSchema = dropViewSchema.extend({ park: text, timezone: text });

/** What failed, in words, and who can fix it (worker/job-failure.ts, who-fixes.ts). */
export const failureViewSchema = z.strictObject({
  code: maybe(text),
  reason: text,
  fixer: z.enum(FIXERS),
});

export const dropListSchema = z.strictObject({
  drops: z.array(dashboardDropSchema),
  nextCursor: maybe(text),
});

export const jobRunViewSchema = z.strictObject({
  id: text,
  type: z.enum(['postprocess', 'report', 'download']),
  subject: text,
  /** The drop's file name, or the report's scope ("alpha / rev-1"). */
  subjectName: maybe(text),
  park: maybe(text),
  /** The park's time zone, to show the times in (null when the subject is gone). */
  timezone: maybe(text),
  /** The job's attempt within its round (a requeue starts a new round at 1). */
  attempt: count,
  /** The run's number among every run of the subject, requeues included (1, 2, 3, …). */
  number: count,
  worker: text,
  startedAt: text,
  endedAt: maybe(text),
  durationS: maybe(n),
  outcome: z.enum(['running', 'succeeded', 'retrying', 'failed', 'abandoned']),
  error: maybe(text),
  errorCode: maybe(text),
});

export const jobRunListSchema = z.strictObject({
  runs: z.array(jobRunViewSchema),
  nextCursor: maybe(text),
});

export const dropDetailSchema = z.strictObject({
  drop: dashboardDropSchema.extend({ bytes: count }),
  parkName: text,
  /** The ride's name for the breadcrumb (null for a quarantined drop: its ride is not trusted). */
  rideName: maybe(text),
  supersededBy: maybe(text),
  replaces: z.array(text),
  /** Failed or quarantined: what failed and who can fix it. */
  failure: maybe(failureViewSchema),
  /**
   * What post-processing wrote; null until the drop is processed (a failed drop has no
   * results, which is not the same as zero cycles).
   */
  results: maybe(z.strictObject({ cycles: count, alarms: count, breaches: count, hours: count })),
  /** Data-quality findings; null until processed (none found is an empty list). */
  quality: maybe(
    z.array(z.strictObject({ kind: text, channel: maybe(text), at: text, detail: text })),
  ),
  jobRuns: z.array(jobRunViewSchema),
});

export const queueStatusSchema = z.strictObject({
  broker: z.enum(['reachable', 'unreachable']),
  brokerError: maybe(text),
  queues: z.array(
    z.strictObject({
      queue: z.enum(['postprocess', 'report', 'download']),
      deadLetter: z.boolean(),
      name: text,
      messages: count,
      consumers: count,
    }),
  ),
  outbox: z.strictObject({ unpublished: count, oldestAgeS: n }),
  running: z.strictObject({ postprocess: count, report: count, download: count }),
  batchesByState: byStateSchema,
});

export const reportViewSchema = z.strictObject({
  id: text,
  park: text,
  /** The park's time zone: the period is shown in it. */
  timezone: text,
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
  failed: z.array(dashboardDropSchema.extend({ attempts: count, fixer: z.enum(FIXERS) })),
  quarantined: z.array(dashboardDropSchema),
  reports: z.array(reportViewSchema),
});

export const userViewSchema = z.strictObject({
  id: text,
  username: text,
  role: z.enum(ROLES),
  createdAt: text,
  disabledAt: maybe(text),
});

export const reportRuleViewSchema = z.strictObject({
  id: text,
  park: text,
  ride: maybe(text),
  cron: text,
  period: z.enum(['day', 'week', 'month']),
  language: z.enum(['en', 'it']),
  enabled: z.boolean(),
  timezone: text,
  createdAt: text,
  enabledChangedAt: text,
  /** The next instant the rule fires (UTC); null while paused or its park is disabled. */
  nextFiringAt: maybe(text),
  /** The rule's park is disabled: it does not fire. */
  parkDisabled: z.boolean(),
});

export const reportRuleListSchema = z.strictObject({ rules: z.array(reportRuleViewSchema) });

export const sessionViewSchema = z.strictObject({
  user: userViewSchema,
  csrfToken: text,
  expiresAt: text,
});
