import { randomUUID } from 'node:crypto';
import { slugSchema } from '@zra/shared';
import type pg from 'pg';
import { z } from 'zod';
import { withTransaction } from '../db/pool.ts';
import { enqueue } from '../queue/outbox.ts';
import { periodBeforeRetention } from '../retention/retention-state.ts';
import { isoInstant } from './report-input.ts';

export const requestReportInputSchema = z
  .strictObject({
    park: slugSchema,
    ride: slugSchema.optional(),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    /** Defaults to the park's language. */
    language: z.enum(['en', 'it']).optional(),
  })
  .refine((r) => Date.parse(r.from) < Date.parse(r.to), {
    message: '"from" must be before "to"',
    path: ['to'],
  });

/** What `report request` takes: park, optional ride, and the period `[from, to)`. */
export type RequestReportInput = z.input<typeof requestReportInputSchema>;

/** A report's state and, once ready, where its files are. */
export interface ReportStatus {
  id: string;
  park: string;
  ride: string | null;
  period: { start: string; end: string };
  language: 'en' | 'it';
  state: 'queued' | 'running' | 'ready' | 'failed';
  files: { pdf: string; html: string; summary: string } | null;
  error: string | null;
  requestedAt: string;
  finishedAt: string | null;
}

/** A request that names something that does not exist; the message says what. */
export class ReportRequestError extends Error {
  override name = 'ReportRequestError';
}

/**
 * Records a report request and its `report` message in one transaction; the worker builds it.
 * Returns the report id.
 */
export async function requestReport(pool: pg.Pool, input: RequestReportInput): Promise<string> {
  const req = requestReportInputSchema.parse(input);
  return withTransaction(pool, (c) => insertReportRequest(c, req));
}

/**
 * The body of {@link requestReport}, for callers that need the report in a transaction of
 * their own (the scheduler records the firing in the same one). Returns the report id.
 */
export async function insertReportRequest(
  c: pg.PoolClient,
  req: z.output<typeof requestReportInputSchema>,
  id: string = randomUUID(),
): Promise<string> {
  const park = await c.query<{ language: 'en' | 'it' }>(
    'SELECT language FROM parks WHERE id = $1',
    [req.park],
  );
  const parkRow = park.rows[0];
  if (!parkRow) throw new ReportRequestError(`there is no park "${req.park}"`);
  if (req.ride) {
    const ride = await c.query('SELECT 1 FROM rides WHERE park_id = $1 AND id = $2', [
      req.park,
      req.ride,
    ]);
    if (ride.rowCount === 0) {
      throw new ReportRequestError(
        `park "${req.park}" has no ride "${req.ride}" (rides appear with their first drop)`,
      );
    }
  }
  const retained = await periodBeforeRetention(c, new Date(req.from));
  if (retained) throw new ReportRequestError(retained);
  await c.query(
    `INSERT INTO reports (id, park_id, ride_id, period_start, period_end, language)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, req.park, req.ride ?? null, req.from, req.to, req.language ?? parkRow.language],
  );
  await enqueue(c, 'report', { reportId: id }, id);
  return id;
}

interface ReportRow {
  id: string;
  park_id: string;
  ride_id: string | null;
  period_start: Date;
  period_end: Date;
  language: 'en' | 'it';
  state: ReportStatus['state'];
  pdf_path: string | null;
  html_path: string | null;
  summary_path: string | null;
  error: string | null;
  requested_at: Date;
  finished_at: Date | null;
}

/** The report's state and file paths, or null when there is no such report. */
export async function reportStatus(pool: pg.Pool, id: string): Promise<ReportStatus | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const r = await pool.query<ReportRow>('SELECT * FROM reports WHERE id = $1', [id]);
  const row = r.rows[0];
  if (!row) return null;
  return {
    id: row.id,
    park: row.park_id,
    ride: row.ride_id,
    period: { start: isoInstant(row.period_start), end: isoInstant(row.period_end) },
    language: row.language,
    state: row.state,
    files:
      row.pdf_path && row.html_path && row.summary_path
        ? { pdf: row.pdf_path, html: row.html_path, summary: row.summary_path }
        : null,
    error: row.error,
    requestedAt: row.requested_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
