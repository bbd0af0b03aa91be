import { z } from 'zod';

const instant = z.iso.datetime();

/** `zamperla.report-input/v1` (docs/job-contracts.md), checked before the reporter sees it. */
export const reportInputSchema = z.strictObject({
  format: z.literal('zamperla.report-input/v1'),
  language: z.enum(['en', 'it']),
  park: z.strictObject({ id: z.string(), name: z.string(), timezone: z.string() }),
  ride: z.strictObject({ id: z.string(), name: z.string(), model: z.string() }).nullable(),
  period: z.strictObject({ start: instant, end: instant }),
  hourly: z.array(
    z.strictObject({
      ride: z.string(),
      hourStart: instant,
      localHour: z.string(),
      cycles: z.number().int(),
      riders: z.number().int(),
      completed: z.number().int(),
      aborted: z.number().int(),
      estop: z.number().int(),
      autoMinutes: z.number(),
      faultMinutes: z.number(),
      availability: z.number(),
    }),
  ),
  // Every occurrence active during the period (raisedAt may precede it); durationS is its
  // active time inside the period, already clipped (docs/job-contracts.md).
  alarms: z.array(
    z.strictObject({
      ride: z.string(),
      code: z.string(),
      severity: z.enum(['info', 'warning', 'fault', 'critical']),
      text: z.string(),
      raisedAt: instant,
      durationS: z.number().nonnegative(),
    }),
  ),
  // Optional: inputs written before channel health existed have no `channels`.
  channels: z
    .array(
      z.strictObject({
        ride: z.string(),
        channel: z.string(),
        unit: z.string().nullable(),
        threshold: z
          .strictObject({ min: z.number().optional(), max: z.number().optional() })
          .nullable(),
        days: z.array(
          z.strictObject({
            date: z.iso.date(),
            cycles: z.number().int(),
            p95Peak: z.number(),
          }),
        ),
      }),
    )
    .optional(),
  // Optional: inputs written before anomalies existed have no `anomalies`.
  anomalies: z
    .array(
      z.strictObject({
        ride: z.string(),
        kind: z.string(),
        channel: z.string().nullable(),
        count: z.number().int(),
        first: instant,
        worst: z.number().nullable(),
        limit: z.number().nullable(),
      }),
    )
    .optional(),
  // Optional: inputs written before opening hours existed have none; the reporter then
  // measures completeness against each day's span of hours with data.
  openingHours: z
    .strictObject({
      // The rides expected to run during opening hours (the ride, or every ride of the park).
      rides: z.array(z.string()),
      // Every park-local day of the period, its opening already resolved to UTC with the
      // zone's rules of that day; `open` and `close` are both null on a closed day.
      days: z.array(
        z
          .strictObject({ date: z.iso.date(), open: instant.nullable(), close: instant.nullable() })
          .refine((d) => (d.open === null) === (d.close === null), {
            message: 'open and close are both set or both null',
          }),
      ),
    })
    .optional(),
});

export type ReportInput = z.infer<typeof reportInputSchema>;

/** UTC ISO 8601 with `Z` and no zero milliseconds, as the contract writes instants. */
export const isoInstant = (d: Date): string => d.toISOString().replace('.000Z', 'Z');
