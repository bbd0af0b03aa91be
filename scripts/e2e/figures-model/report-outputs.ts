/**
 * What the system under test produced for a report, read at the boundary: the reporter's
 * `summary.json`, and the report input central's worker assembles for the same scope (the
 * summary has no outcome counts, and the input names the ride-hour or alarm behind a wrong
 * total). Only the fields the comparison needs; anything else may change freely.
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { z } from 'zod';
import { loadRideModels } from '@zra/shared';
import { buildReportInput } from '../../../central/src/reports/report-input.ts';

const num = z.number();
const alarmCode = z.looseObject({ code: z.string(), count: num, downtimeS: num });

export const summarySchema = z.looseObject({
  cycles: num,
  riders: num,
  availability: num.nullable(),
  hoursWithData: num,
  failures: num,
  operatingS: num,
  mtbfS: num.nullable(),
  mttrS: num.nullable(),
  topAlarms: z.array(alarmCode),
  topAlarmsByDowntime: z.array(alarmCode),
  days: z.array(
    z.looseObject({
      date: z.string(),
      cycles: num,
      riders: num,
      availability: num.nullable(),
      completeness: num.nullable(),
      closed: z.boolean(),
    }),
  ),
  channelHealth: z.array(
    z.looseObject({
      ride: z.string(),
      channel: z.string(),
      days: z.array(z.looseObject({ date: z.string(), cycles: num, p95Peak: num })),
    }),
  ),
  completeness: z.looseObject({
    rideHoursWithData: num,
    rideHoursExpected: num,
    rideHoursOutsideOpening: num.nullable(),
    ratio: num.nullable(),
  }),
});
export type Summary = z.infer<typeof summarySchema>;

export function readSummary(path: string): Summary {
  const parsed = summarySchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `summary.json at ${path} lacks a figure the test compares: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

const inputSchema = z.looseObject({
  hourly: z.array(
    z.looseObject({
      ride: z.string(),
      hourStart: z.string(),
      cycles: num,
      riders: num,
      completed: num,
      aborted: num,
      estop: num,
      availability: num,
    }),
  ),
  alarms: z.array(
    z.looseObject({
      ride: z.string(),
      code: z.string(),
      severity: z.string(),
      raisedAt: z.string(),
      durationS: num,
    }),
  ),
});
export type CentralInput = z.infer<typeof inputSchema>;

const rideModels = loadRideModels();

/** The report input central builds for this scope, as the worker builds it. */
export async function centralInput(
  pool: pg.Pool,
  park: string,
  ride: string | null,
  from: number,
  to: number,
): Promise<CentralInput> {
  const input = await buildReportInput(
    pool,
    { parkId: park, rideId: ride, start: new Date(from), end: new Date(to), language: 'en' },
    rideModels,
  );
  return inputSchema.parse(input);
}
