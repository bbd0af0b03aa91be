import { localToUtc, slugSchema } from '@zra/shared';
import type pg from 'pg';
import { z } from 'zod';
import { ReportRequestError, requestReport } from '../reports/report-store.ts';

const date = z.iso.date({ message: 'expected a date like 2026-12-02' });

/**
 * A report by park-local days, as the dashboard's period picker asks: `firstDay` to `lastDay`
 * inclusive, each day from its 00:00 to the next day's 00:00 in the park's time zone.
 */
export const dayReportInputSchema = z
  .strictObject({
    park: slugSchema,
    ride: slugSchema.optional(),
    firstDay: date,
    lastDay: date,
    language: z.enum(['en', 'it']).optional(),
  })
  .refine((r) => r.firstDay <= r.lastDay, {
    message: 'the last day must not be before the first day',
    path: ['lastDay'],
  })
  .refine((r) => Date.parse(r.lastDay) - Date.parse(r.firstDay) <= 366 * 86_400_000, {
    message: 'a report covers at most 366 days: pick a shorter period',
    path: ['lastDay'],
  });
export type DayReportInput = z.input<typeof dayReportInputSchema>;

/** The UTC period `[from, to)` of park-local days `firstDay`..`lastDay` (DST days by R6). */
export function parkDaysPeriod(
  timeZone: string,
  firstDay: string,
  lastDay: string,
): { from: Date; to: Date } {
  const [y1, m1, d1] = firstDay.split('-').map(Number) as [number, number, number];
  const [y2, m2, d2] = lastDay.split('-').map(Number) as [number, number, number];
  // Date.UTC-style overflow: day + 1 past the month's end is the next month's first.
  return {
    from: new Date(localToUtc(timeZone, y1, m1, d1)),
    to: new Date(localToUtc(timeZone, y2, m2, d2 + 1)),
  };
}

/** Queues a report for park-local days; returns the report id and the UTC period. */
export async function requestDayReport(
  pool: pg.Pool,
  input: DayReportInput,
): Promise<{ reportId: string; from: string; to: string; timezone: string }> {
  const req = dayReportInputSchema.parse(input);
  const park = await pool.query<{ timezone: string }>('SELECT timezone FROM parks WHERE id = $1', [
    req.park,
  ]);
  const tz = park.rows[0]?.timezone;
  if (!tz) throw new ReportRequestError(`there is no park "${req.park}"`);
  const { from, to } = parkDaysPeriod(tz, req.firstDay, req.lastDay);
  const reportId = await requestReport(pool, {
    park: req.park,
    ...(req.ride ? { ride: req.ride } : {}),
    from: from.toISOString(),
    to: to.toISOString(),
    ...(req.language ? { language: req.language } : {}),
  });
  return { reportId, from: from.toISOString(), to: to.toISOString(), timezone: tz };
}
