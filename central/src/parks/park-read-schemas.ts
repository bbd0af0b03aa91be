import { z } from 'zod';

const instant = z.iso.datetime({ offset: true });

/** Every state a batch can be in (the `batches.state` check constraint). */
export const BATCH_STATES = [
  'stored',
  'queued',
  'processing',
  'processed',
  'failed',
  'quarantined',
] as const;

/** The largest page `park.drops` returns. */
export const MAX_DROPS_PAGE = 500;

/** `park.drops` input: newest first, `cursor` is the `nextCursor` of the previous page. */
export const dropsInputSchema = z.strictObject({
  /** Only batches changed (`updatedAt`) at or after this instant. */
  since: instant.optional(),
  limit: z.number().int().min(1).max(MAX_DROPS_PAGE).default(100),
  cursor: z.uuid().optional(),
});

/** What central did with one drop of the park. */
export const dropViewSchema = z.strictObject({
  batchId: z.string(),
  sha256: z.string(),
  /** Null for quarantined drops: their content was not trusted. */
  contentId: z.string().nullable(),
  fileName: z.string(),
  ride: z.string().nullable(),
  sequence: z.number().int().nullable(),
  window: z.strictObject({ start: z.string(), end: z.string() }).nullable(),
  state: z.enum(BATCH_STATES),
  error: z.strictObject({ code: z.string().nullable(), reason: z.string().nullable() }).nullable(),
  superseded: z.boolean(),
  receivedAt: z.string(),
  queuedAt: z.string().nullable(),
  processedAt: z.string().nullable(),
  updatedAt: z.string(),
});

/** `park.drops` output; `nextCursor` is null on the last page. */
export const dropsOutputSchema = z.strictObject({
  drops: z.array(dropViewSchema),
  nextCursor: z.string().nullable(),
});

/** `park.reports` input. */
export const reportsInputSchema = z.strictObject({
  limit: z.number().int().min(1).max(MAX_DROPS_PAGE).default(50),
});

/** A finished (ready or failed) report of the park; never a server path. */
export const reportViewSchema = z.strictObject({
  id: z.string(),
  /** Null for a whole-park report. */
  ride: z.string().nullable(),
  period: z.strictObject({ start: z.string(), end: z.string() }),
  state: z.enum(['ready', 'failed']),
  finishedAt: z.string().nullable(),
});

/** `park.reports` output, newest finished first. */
export const reportsOutputSchema = z.strictObject({ reports: z.array(reportViewSchema) });

/** `park.standing` output: today's counts (park-local day), last upload, oldest unprocessed. */
export const standingOutputSchema = z.strictObject({
  today: z.strictObject({
    /** The park-local date, `YYYY-MM-DD`. */
    date: z.string(),
    timezone: z.string(),
    /** Batches received today, by their current state (every state present, 0 when none). */
    byState: z.record(z.enum(BATCH_STATES), z.number().int().nonnegative()),
  }),
  lastUploadAt: z.string().nullable(),
  /** The oldest batch still stored, queued or processing (superseded ones excluded). */
  oldestUnprocessed: z
    .strictObject({
      batchId: z.string(),
      fileName: z.string(),
      state: z.enum(BATCH_STATES),
      receivedAt: z.string(),
    })
    .nullable(),
});

export type DropsInput = z.infer<typeof dropsInputSchema>;
export type DropsOutput = z.infer<typeof dropsOutputSchema>;
export type DropView = z.infer<typeof dropViewSchema>;
export type ReportsInput = z.infer<typeof reportsInputSchema>;
export type ReportsOutput = z.infer<typeof reportsOutputSchema>;
export type StandingOutput = z.infer<typeof standingOutputSchema>;
