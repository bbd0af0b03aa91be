import type { RideModels } from '@zra/shared';
import type pg from 'pg';
import { resolveOpeningDays } from '../parks/opening-hours.ts';
import { openingHoursOf } from '../parks/park-store.ts';
import { alarmOccurrences } from './figures/alarm-occurrences.ts';
import { anomalyCounts } from './figures/anomalies.ts';
import { channelPeaks } from './figures/channel-peaks.ts';
import type { FigureScope } from './figures/figure-scope.ts';
import { localHourLabel } from './figures/local-hour-label.ts';
import { rideHours } from './figures/ride-hours.ts';
import { isoInstant, reportInputSchema, type ReportInput } from './report-input-schema.ts';

export { isoInstant, reportInputSchema, type ReportInput } from './report-input-schema.ts';

/** What a report covers. */
export interface ReportScope {
  parkId: string;
  rideId: string | null;
  start: Date;
  end: Date;
  language: 'en' | 'it';
}

type Park = ReportInput['park'];

/**
 * Assembles the reporter's input from PostgreSQL. Every figure follows the counting rule
 * (docs/central.md, "Counting rule"; reports/figures/): only batches no revision replaced,
 * each cycle once per (ride, cycle id), each alarm occurrence once per (ride, code, raisedAt)
 * with its time clipped to the period. Alarm texts are stored in English; with `rideModels`
 * they are given in the report's language.
 */
export async function buildReportInput(
  pool: pg.Pool,
  scope: ReportScope,
  rideModels?: RideModels,
): Promise<ReportInput> {
  const park = await reportPark(pool, scope.parkId);
  const ride = scope.rideId ? await reportRide(pool, scope.parkId, scope.rideId) : null;
  const figures: FigureScope = {
    buckets: [{ park: scope.parkId, start: scope.start, end: scope.end }],
    ride: scope.rideId,
  };
  // The figure queries are independent reads: side by side they use as many database cores
  // as the pool has connections (a park-month's channel peaks and hourly slots are each about
  // a second at a thousand parks; one after the other they were most of a report's time).
  const [hourly, alarms, channels, anomalies] = await Promise.all([
    hourlyRows(pool, figures, park.timezone),
    alarmRows(pool, figures, scope.language, rideModels),
    channelRows(pool, figures, park.timezone, rideModels),
    anomalyRows(pool, figures),
  ]);
  return reportInputSchema.parse({
    format: 'zamperla.report-input/v1',
    language: scope.language,
    park,
    ride,
    period: { start: isoInstant(scope.start), end: isoInstant(scope.end) },
    hourly,
    alarms,
    channels,
    anomalies,
    openingHours: await openingHoursRows(pool, scope, park.timezone, hourly),
  });
}

async function reportPark(pool: pg.Pool, parkId: string): Promise<Park> {
  const r = await pool.query<Park>('SELECT id, name, timezone FROM parks WHERE id = $1', [parkId]);
  const park = r.rows[0];
  if (!park) throw new Error(`park ${parkId} does not exist`);
  return park;
}

async function reportRide(
  pool: pg.Pool,
  parkId: string,
  rideId: string,
): Promise<NonNullable<ReportInput['ride']>> {
  const r = await pool.query<{ id: string; name: string; model: string }>(
    'SELECT id, name, model FROM rides WHERE park_id = $1 AND id = $2',
    [parkId, rideId],
  );
  const ride = r.rows[0];
  if (!ride) throw new Error(`ride ${parkId}/${rideId} does not exist`);
  return ride;
}

/** One row per ride and UTC hour with data, its figures clipped to the period. */
async function hourlyRows(
  pool: pg.Pool,
  scope: FigureScope,
  timezone: string,
): Promise<ReportInput['hourly']> {
  return (await rideHours(pool, scope)).map((h) => ({
    ride: h.ride,
    hourStart: isoInstant(h.hourStart),
    localHour: localHourLabel(h.hourStart, timezone),
    cycles: h.cycles,
    riders: h.riders,
    completed: h.completed,
    aborted: h.aborted,
    estop: h.estop,
    autoMinutes: h.autoMinutes,
    faultMinutes: h.faultMinutes,
    availability: h.availability,
  }));
}

/** Every alarm occurrence active in the period, with its active time inside the period. */
async function alarmRows(
  pool: pg.Pool,
  scope: FigureScope,
  language: ReportScope['language'],
  rideModels: RideModels | undefined,
): Promise<ReportInput['alarms']> {
  return (await alarmOccurrences(pool, scope)).map((a) => ({
    ride: a.ride,
    code: a.code,
    severity: a.severity,
    text:
      rideModels?.models.find((m) => m.id === a.model)?.alarms[a.code]?.text[language] ?? a.text,
    raisedAt: isoInstant(a.raisedAt),
    durationS: a.durationS,
  }));
}

/** Channel health: per ride, channel and park-local day, the p95 of per-cycle peaks. */
async function channelRows(
  pool: pg.Pool,
  scope: FigureScope,
  timezone: string,
  rideModels: RideModels | undefined,
): Promise<NonNullable<ReportInput['channels']>> {
  const channels: NonNullable<ReportInput['channels']> = [];
  for (const row of await channelPeaks(pool, scope, timezone)) {
    let entry = channels.at(-1);
    if (entry?.ride !== row.ride || entry.channel !== row.channel) {
      const spec = rideModels?.models
        .find((m) => m.id === row.model)
        ?.channels.find((c) => c.channel === row.channel);
      entry = {
        ride: row.ride,
        channel: row.channel,
        unit: spec?.unit ?? null,
        threshold: spec?.threshold ?? null,
        days: [],
      };
      channels.push(entry);
    }
    entry.days.push({ date: row.date ?? '', cycles: row.cycles, p95Peak: row.p95Peak });
  }
  return channels;
}

/** Breaches and data-quality findings of the period per ride, kind and channel. */
async function anomalyRows(
  pool: pg.Pool,
  scope: FigureScope,
): Promise<NonNullable<ReportInput['anomalies']>> {
  return (await anomalyCounts(pool, scope)).map(({ bucket: _bucket, first, ...a }) => ({
    ...a,
    first: isoInstant(first),
  }));
}

/**
 * The park's opening hours resolved per park-local day of the period, and the rides expected
 * to run: the ride, or every ride the park had by the period's end plus any ride with data in
 * it (a ride appears with its first drop, so one added mid-period counts from the start, and
 * a backfilled ride counts for its old periods).
 */
async function openingHoursRows(
  pool: pg.Pool,
  scope: ReportScope,
  timezone: string,
  hourly: ReportInput['hourly'],
): Promise<NonNullable<ReportInput['openingHours']>> {
  const rides = scope.rideId
    ? [scope.rideId]
    : [
        ...new Set([
          ...(
            await pool.query<{ id: string }>(
              'SELECT id FROM rides WHERE park_id = $1 AND created_at < $2',
              [scope.parkId, scope.end],
            )
          ).rows.map((r) => r.id),
          ...hourly.map((h) => h.ride),
        ]),
      ].sort();
  const days = resolveOpeningDays(
    await openingHoursOf(pool, scope.parkId),
    timezone,
    scope.start,
    scope.end,
  );
  return {
    rides,
    days: days.map((d) => ({
      date: d.date,
      open: d.open && isoInstant(d.open),
      close: d.close && isoInstant(d.close),
    })),
  };
}
