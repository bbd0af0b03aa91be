import { createHash } from 'node:crypto';
import { alarmSeveritySchema } from '@zra/shared';
import type pg from 'pg';
import { z } from 'zod';
import {
  ALARM_OCCURRENCES_SQL,
  alarmOccurrences,
  type Severity,
} from '../reports/figures/alarm-occurrences.ts';
import {
  CHANNEL_PEAK_VALUES_SQL,
  channelPeakValues,
  float8sOf,
} from '../reports/figures/channel-peak-values.ts';
import type { FigureScope } from '../reports/figures/figure-scope.ts';
import { RIDE_HOURS_SQL, rideHours } from '../reports/figures/ride-hours.ts';
import { RIDE_PAGE_MAX_DAYS } from './dashboard-schemas.ts';
import type { LocalDay } from './park-local-days.ts';

/** One park-local day of one ride's figures, by the counting rule. */
export interface RideDay {
  date: string;
  /** The day's UTC hours with data, in time order. */
  hours: { cycles: number; riders: number; coveredMinutes: number; faultMinutes: number }[];
  /** Alarm occurrences active in the day (a momentary one on the day of its instant). */
  occurrences: {
    code: string;
    severity: Severity;
    text: string;
    raisedUs: number;
    /** Active time inside the day, in whole microseconds. */
    activeUs: number;
  }[];
  /** Per channel measured by a cycle that started in the day: its peaks, ascending. */
  channels: { channel: string; peaks: Float64Array }[];
}

interface Ride {
  park: string;
  ride: string;
  timezone: string;
}

/*
 * What a day's figures are computed from, as a fingerprint: every batch row of the ride whose
 * window touches the day, and every batch sharing a cycle id or an alarm occurrence (code,
 * raisedAt) with one of those (the counting rule takes a cycle's newest version and an
 * occurrence's newest row from any live batch of the ride). A batch enters as its id, its row
 * version (xmin: any write to the row, such as a revision replacing it, a late refusal or
 * being processed, changes it; the postprocess job writes cycles and alarms in the same
 * transaction as it marks the batch processed) and whether retention has passed it (the
 * sweeper removes its cycles and moves its cursor in one transaction, leaving the batch row
 * alone). The figure queries' text is part of it too, so a release that changes how a figure
 * is counted computes every day again (ahead of first views, by the backfill: the digest is
 * also the `format` of ride_year_kept; "v1" names the shape kept below: change it with the
 * shape). Read before the figures are computed: a change landing in between is in the
 * figures but not in the fingerprint, so the next read computes again.
 */
export const RIDE_DAY_FORMAT = createHash('sha256')
  .update('ride-day v1\0')
  .update(RIDE_HOURS_SQL)
  .update(ALARM_OCCURRENCES_SQL)
  .update(CHANNEL_PEAK_VALUES_SQL)
  .digest('hex');

/** A batch as it enters a fingerprint: id, row version, and whether retention passed it. */
const TOKEN = `
  b.id::text || ':' || b.xmin::text || ':'
    || coalesce((b.received_at, b.id) <= (s.cursor_at, s.cursor_id), false)::text AS token`;

const BATCHES_SQL = `
  SELECT b.id::text AS id, ${TOKEN},
         (extract(epoch FROM b.window_start) * 1000000)::bigint AS from_us,
         (extract(epoch FROM b.window_end) * 1000000)::bigint AS to_us
    FROM batches b LEFT JOIN retention_state s ON s.what = 'cycles'
   WHERE b.park_id = $1 AND b.ride_id = $2 AND b.window_start < $4 AND b.window_end > $3`;

// Batches of the ride that hold the same cycle id or the same alarm occurrence (a group may
// name a batch twice). The cycle ids held more than once are found first, in one pass over
// the ride's part of cycles_versions_idx; collecting the batches of every id would build
// 40,000 arrays for a year.
const SHARED_SQL = `
  WITH versioned AS MATERIALIZED (
    SELECT cycle_id FROM cycles WHERE park_id = $1 AND ride_id = $2
     GROUP BY cycle_id HAVING count(*) > 1)
  SELECT (SELECT array_agg(c.batch_id::text) FROM cycles c
           WHERE c.park_id = $1 AND c.ride_id = $2 AND c.cycle_id = v.cycle_id) AS ids
    FROM versioned v
  UNION ALL
  SELECT array_agg(batch_id::text) FROM alarms
   WHERE park_id = $1 AND ride_id = $2 GROUP BY code, raised_at HAVING count(*) > 1`;

const PARTNERS_SQL = `
  SELECT b.id::text AS id, ${TOKEN}
    FROM batches b LEFT JOIN retention_state s ON s.what = 'cycles'
   WHERE b.id = ANY ($1::uuid[])`;

interface BatchRow {
  id: string;
  token: string;
  /** The window in microseconds (a Date would round a bound to the millisecond). */
  from_us: string;
  to_us: string;
}

/** Per date of `days`, the fingerprint of what its figures are computed from now. */
async function dayFingerprints(
  pool: pg.Pool,
  ride: Ride,
  days: LocalDay[],
): Promise<Map<string, string>> {
  const first = days[0];
  const last = days.at(-1);
  if (!first || !last) return new Map();
  const [touching, shared] = await Promise.all([
    pool.query<BatchRow>(BATCHES_SQL, [ride.park, ride.ride, first.start, last.end]),
    pool.query<{ ids: string[] }>(SHARED_SQL, [ride.park, ride.ride]),
  ]);
  const token = new Map<string, string>();
  for (const b of touching.rows) token.set(b.id, b.token);
  const groupsOf = new Map<string, string[][]>();
  const outside = new Set<string>();
  for (const { ids } of shared.rows) {
    for (const id of ids) {
      const groups = groupsOf.get(id);
      if (groups) groups.push(ids);
      else groupsOf.set(id, [ids]);
      if (!token.has(id)) outside.add(id);
    }
  }
  if (outside.size > 0) {
    const partners = await pool.query<Pick<BatchRow, 'id' | 'token'>>(PARTNERS_SQL, [[...outside]]);
    for (const b of partners.rows) token.set(b.id, b.token);
  }
  const deps = new Map<string, Set<string>>(days.map((d) => [d.date, new Set<string>()]));
  for (const b of touching.rows) {
    const from = Number(b.from_us);
    const to = Number(b.to_us);
    for (const d of days) {
      if (from >= d.end.getTime() * 1000 || to <= d.start.getTime() * 1000) continue;
      const set = deps.get(d.date);
      if (!set) continue;
      set.add(b.id);
      for (const group of groupsOf.get(b.id) ?? []) for (const id of group) set.add(id);
    }
  }
  const out = new Map<string, string>();
  for (const [date, ids] of deps) {
    const h = createHash('sha256').update(RIDE_DAY_FORMAT);
    // A batch gone since (its id still in a cycle group read a moment later) counts as gone.
    for (const id of [...ids].sort()) h.update(`${token.get(id) ?? `${id}:gone`}\n`);
    out.set(date, h.digest('base64url'));
  }
  return out;
}

/** The figures of `days` computed from the ride's stored data now. */
async function computeRideDays(pool: pg.Pool, ride: Ride, days: LocalDay[]): Promise<RideDay[]> {
  const scope: FigureScope = {
    buckets: days.map((d) => ({ park: ride.park, start: d.start, end: d.end })),
    ride: ride.ride,
  };
  const [hours, occurrences, peaks] = await Promise.all([
    rideHours(pool, scope),
    alarmOccurrences(pool, scope),
    channelPeakValues(pool, scope),
  ]);
  const out: RideDay[] = days.map((d) => ({
    date: d.date,
    hours: [],
    occurrences: [],
    channels: [],
  }));
  for (const h of hours) {
    out[h.bucket]?.hours.push({
      cycles: h.cycles,
      riders: h.riders,
      coveredMinutes: h.coveredMinutes,
      faultMinutes: h.faultMinutes,
    });
  }
  for (const o of occurrences) {
    out[o.bucket]?.occurrences.push({
      code: o.code,
      severity: o.severity,
      text: o.text,
      raisedUs: o.raisedUs,
      // Seconds with at most six decimals, as PostgreSQL computed them exactly.
      activeUs: Math.round(o.durationS * 1e6),
    });
  }
  for (const p of peaks) out[p.bucket]?.channels.push({ channel: p.channel, peaks: p.peaks });
  return out;
}

/** A day as kept: everything but the peaks as JSON, the peaks as one run of float8s. */
function rowOf(day: RideDay): { figures: string; peaks: Buffer } {
  const peaks = Buffer.alloc(day.channels.reduce((s, c) => s + c.peaks.length * 8, 0));
  let at = 0;
  for (const c of day.channels) for (const v of c.peaks) at = peaks.writeDoubleBE(v, at);
  return {
    figures: JSON.stringify({
      hours: day.hours,
      occurrences: day.occurrences,
      channels: day.channels.map((c) => [c.channel, c.peaks.length]),
    }),
    peaks,
  };
}

const count = z.number().int().nonnegative();
/** `figures` as rowOf writes it. */
const storedFiguresSchema = z.strictObject({
  hours: z.array(
    z.strictObject({
      cycles: count,
      riders: count,
      coveredMinutes: z.number(),
      faultMinutes: z.number(),
    }),
  ),
  occurrences: z.array(
    z.strictObject({
      code: z.string(),
      severity: alarmSeveritySchema,
      text: z.string(),
      raisedUs: z.number().int(),
      activeUs: count,
    }),
  ),
  channels: z.array(z.tuple([z.string(), count])),
});

/** A kept row as a day, or null if it is not one rowOf wrote (then it is computed again). */
function dayOf(date: string, figures: unknown, peaks: Buffer): RideDay | null {
  const parsed = storedFiguresSchema.safeParse(figures);
  if (!parsed.success || peaks.length % 8 !== 0) return null;
  const all = float8sOf(peaks);
  if (all.length !== parsed.data.channels.reduce((s, [, n]) => s + n, 0)) return null;
  let at = 0;
  return {
    date,
    hours: parsed.data.hours,
    occurrences: parsed.data.occurrences,
    channels: parsed.data.channels.map(([channel, n]) => {
      const part = all.subarray(at, at + n);
      at += n;
      return { channel, peaks: part };
    }),
  };
}

interface YearKeptRow {
  timezone: string;
  format: string;
}

const YEAR_KEPT_READ_SQL = `
  SELECT timezone, format FROM ride_year_kept WHERE park_id = $1 AND ride_id = $2`;

function wholeYearKept(row: YearKeptRow | undefined, ride: Ride): boolean {
  return row?.timezone === ride.timezone && row.format === RIDE_DAY_FORMAT;
}

const READ_SQL = `
  SELECT to_char(day, 'YYYY-MM-DD') AS day, deps, figures, peaks FROM ride_day_figures
   WHERE park_id = $1 AND ride_id = $2 AND timezone = $3 AND day = ANY ($4::date[])`;

// A later writer may put back an older computation over a newer one: each row is still its
// own fingerprint's figures, and the next reader, finding the fingerprint out of date,
// computes the day again.
const WRITE_SQL = `
  INSERT INTO ride_day_figures (park_id, ride_id, timezone, day, deps, figures, peaks)
  SELECT $1, $2, $3, d.day, d.deps, d.figures, d.peaks
    FROM unnest($4::date[], $5::text[], $6::jsonb[], $7::bytea[]) AS d(day, deps, figures, peaks)
  ON CONFLICT (park_id, ride_id, timezone, day) DO UPDATE
     SET deps = excluded.deps, figures = excluded.figures, peaks = excluded.peaks,
         computed_at = now()`;

// The ride's whole page-year is current in `timezone` by these figure queries (the backfill
// looks for rides without this); written only when it was not already so.
const YEAR_KEPT_SQL = `
  INSERT INTO ride_year_kept (park_id, ride_id, timezone, format) VALUES ($1, $2, $3, $4)
  ON CONFLICT (park_id, ride_id) DO UPDATE
     SET timezone = excluded.timezone, format = excluded.format, kept_at = now()
   WHERE (ride_year_kept.timezone, ride_year_kept.format)
         IS DISTINCT FROM (excluded.timezone, excluded.format)`;

// Days no page reaches any more (a page ends today and spans at most 366 days) and days of a
// zone the park no longer has, removed as the ride's days are written.
const PRUNE_SQL = `
  DELETE FROM ride_day_figures
   WHERE park_id = $1 AND ride_id = $2 AND (timezone <> $3 OR day < $4::date - ${String(RIDE_PAGE_MAX_DAYS)})`;

/**
 * The ride's figures for `days` (ending today): the kept ones whose fingerprint still holds,
 * the others computed now and kept. `computed` lists the dates computed now.
 */
export async function rideDays(
  pool: pg.Pool,
  ride: Ride,
  days: LocalDay[],
): Promise<{ days: RideDay[]; computed: string[] }> {
  const dates = days.map((d) => d.date);
  // Only a page of the whole year can record that the whole year is current.
  const wholeYear = days.length >= RIDE_PAGE_MAX_DAYS;
  const [deps, kept, yearKept] = await Promise.all([
    dayFingerprints(pool, ride, days),
    pool.query<{ day: string; deps: string; figures: unknown; peaks: Buffer }>(READ_SQL, [
      ride.park,
      ride.ride,
      ride.timezone,
      dates,
    ]),
    wholeYear
      ? pool.query<YearKeptRow>(YEAR_KEPT_READ_SQL, [ride.park, ride.ride]).then((r) => r.rows[0])
      : undefined,
  ]);
  const byDate = new Map<string, RideDay>();
  for (const row of kept.rows) {
    const day = row.deps === deps.get(row.day) ? dayOf(row.day, row.figures, row.peaks) : null;
    if (day) byDate.set(row.day, day);
  }
  const stale = days.filter((d) => !byDate.has(d.date));
  if (stale.length > 0) {
    const fresh = await computeRideDays(pool, ride, stale);
    const rows = fresh.map(rowOf);
    await pool.query(WRITE_SQL, [
      ride.park,
      ride.ride,
      ride.timezone,
      fresh.map((d) => d.date),
      fresh.map((d) => deps.get(d.date) ?? ''),
      rows.map((r) => r.figures),
      rows.map((r) => r.peaks),
    ]);
    await pool.query(PRUNE_SQL, [ride.park, ride.ride, ride.timezone, dates.at(-1)]);
    for (const d of fresh) byDate.set(d.date, d);
  }
  if (wholeYear && !wholeYearKept(yearKept, ride)) {
    await pool.query(YEAR_KEPT_SQL, [ride.park, ride.ride, ride.timezone, RIDE_DAY_FORMAT]);
  }
  return {
    days: dates.map((date) => {
      const d = byDate.get(date);
      if (!d) throw new Error(`no figures for ${date}`);
      return d;
    }),
    computed: stale.map((d) => d.date),
  };
}
