import { loadRideModels, type RideModels } from '@zra/shared';
import type pg from 'pg';
import { parkAgentHealth } from '../agents/heartbeat-store.ts';
import { DomainError } from '../domain-error.ts';
import { isDowntime, type AlarmOccurrence } from '../reports/figures/alarm-occurrences.ts';
import { p95OfSorted } from '../reports/figures/channel-peak-values.ts';
import { agentView } from './agent-view.ts';
import { cachedRideFigures, type RideFigures } from './ride-figures-cache.ts';
import type { RideDetail, RideInput } from './dashboard-schemas.ts';
import { parkLocalDays, type LocalDay } from './park-local-days.ts';
import { rideDays, type RideDay } from './ride-day-store.ts';
import { availabilityOf, requirePark } from './park-detail.ts';

let rideModels: RideModels | undefined;
/** The shipped ride models (units and thresholds), read once. */
function models(): RideModels {
  return (rideModels ??= loadRideModels());
}

const SEVERITY_RANK = ['info', 'warning', 'fault', 'critical'];

/** What the top alarms are counted from: one alarm occurrence over the days shown. */
type Occurrence = Pick<AlarmOccurrence, 'code' | 'text' | 'severity' | 'durationS'>;

/**
 * A ride's KPIs per park-local day over the last `days` days, its top alarms and its channel
 * health over those days, all by the counting rule the reports use (reports/figures/): only
 * batches no revision replaced, a cycle once per id, an alarm occurrence once per (code,
 * raisedAt) with its time clipped to the days shown.
 */
export async function rideDetail(
  pool: pg.Pool,
  input: RideInput,
  nowMs = Date.now(),
  /** The API passes HEARTBEAT_SILENT_MIN; callers that only want figures may leave it. */
  silentAfterMs = 10 * 60_000,
): Promise<RideDetail> {
  const park = await requirePark(pool, input.park);
  const ride = await pool.query<{ id: string; name: string; model: string }>(
    'SELECT id, name, model FROM rides WHERE park_id = $1 AND id = $2',
    [park.id, input.ride],
  );
  const r = ride.rows[0];
  if (!r) {
    throw new DomainError(
      'not_found',
      `park "${park.id}" has no ride "${input.ride}" (rides appear with their first drop)`,
    );
  }
  const days = parkLocalDays(park.timezone, input.days, nowMs);
  const first = days[0];
  const last = days.at(-1);
  if (!first || !last) throw new Error('days must be at least 1');
  const figures = cachedRideFigures(
    pool,
    {
      park: park.id,
      ride: r.id,
      key: `${r.model} ${park.timezone} ${first.start.toISOString()} ${last.end.toISOString()} ${days.length}`,
    },
    () =>
      rideFigures(
        pool,
        { park: park.id, ride: r.id, model: r.model, timezone: park.timezone },
        days,
      ),
  );
  const [{ days: dayRows, topAlarms: top, channels }, health] = await Promise.all([
    figures,
    parkAgentHealth(pool, silentAfterMs, park.id),
  ]);
  const agent = agentView(
    health.find((h) => h.park === park.id),
    nowMs,
  );
  return {
    ride: {
      park: park.id,
      parkName: park.name,
      id: r.id,
      name: r.name,
      model: r.model,
      timezone: park.timezone,
    },
    atPark: agent.rides?.find((x) => x.id === r.id) ?? null,
    agentHeardAt: agent.lastHeartbeatAt,
    agentSilent: agent.silent,
    days: dayRows,
    topAlarms: top,
    channels,
  };
}

/**
 * The ride's KPIs per day, top alarms and channel health, added up from its figures per
 * park-local day (ride-day-store.ts): each day's hours, its alarm occurrences with their
 * active time in whole microseconds, and its cycles' peaks. Equal to computing them over the
 * days at once: an occurrence counts once over the days it is active in, with its time summed
 * exactly; a channel's p95 is taken over all the days' peaks.
 */
async function rideFigures(
  pool: pg.Pool,
  ride: { park: string; ride: string; model: string; timezone: string },
  days: LocalDay[],
): Promise<RideFigures> {
  const { days: kept } = await rideDays(pool, ride, days);
  const peaks = new Map<string, Float64Array[]>();
  for (const d of kept) {
    for (const c of d.channels) {
      const parts = peaks.get(c.channel);
      if (parts) parts.push(c.peaks);
      else peaks.set(c.channel, [c.peaks]);
    }
  }
  // Channels in the database's collation, as the reports list them.
  const order = await pool.query<{ c: string }>(
    'SELECT c FROM unnest($1::text[]) AS c ORDER BY c',
    [[...peaks.keys()]],
  );
  const specs = models().models.find((m) => m.id === ride.model)?.channels ?? [];
  return {
    days: kept.map((d) => dayFigures(d)),
    topAlarms: topAlarms(occurrencesOf(kept)),
    channels: order.rows.map(({ c: channel }) => {
      const all = concatenated(peaks.get(channel) ?? []).sort();
      const spec = specs.find((x) => x.channel === channel);
      return {
        channel,
        unit: spec?.unit ?? null,
        threshold: spec?.threshold ?? null,
        cycles: all.length,
        p95Peak: p95OfSorted(all),
      };
    }),
  };
}

function concatenated(parts: Float64Array[]): Float64Array {
  const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** Per day: totals of its ride-hours; availability over the minutes with data. */
function dayFigures(day: RideDay): RideDetail['days'][number] {
  return {
    date: day.date,
    cycles: day.hours.reduce((s, h) => s + h.cycles, 0),
    riders: day.hours.reduce((s, h) => s + h.riders, 0),
    availability: availabilityOf(day.hours),
    faultMinutes: day.hours.reduce((s, h) => s + h.faultMinutes, 0),
    hoursWithData: day.hours.length,
  };
}

/** Each occurrence once, oldest raised first, with its active time over all the days. */
function occurrencesOf(days: RideDay[]): Occurrence[] {
  const byKey = new Map<string, RideDay['occurrences'][number]>();
  for (const d of days) {
    for (const o of d.occurrences) {
      const key = `${o.code}\u0000${String(o.raisedUs)}`;
      const seen = byKey.get(key);
      if (seen) seen.activeUs += o.activeUs;
      else byKey.set(key, { ...o });
    }
  }
  return [...byKey.values()]
    .sort((a, b) => a.raisedUs - b.raisedUs || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .map((o) => ({
      code: o.code,
      text: o.text,
      severity: o.severity,
      durationS: o.activeUs / 1e6,
    }));
}

/**
 * Alarm codes by occurrences, then downtime (at most ten). `activeS` is the occurrences' time
 * in the days shown; `downtimeS` the same for `fault` and `critical` only (R4).
 */
export function topAlarms(occurrences: Occurrence[]): RideDetail['topAlarms'] {
  const byCode = new Map<string, RideDetail['topAlarms'][number]>();
  for (const o of occurrences) {
    const e = byCode.get(o.code) ?? {
      code: o.code,
      text: o.text,
      severity: o.severity,
      count: 0,
      activeS: 0,
      downtimeS: 0,
    };
    e.count += 1;
    e.activeS += o.durationS;
    if (isDowntime(o.severity)) e.downtimeS += o.durationS;
    if (SEVERITY_RANK.indexOf(o.severity) > SEVERITY_RANK.indexOf(e.severity)) {
      e.severity = o.severity;
    }
    byCode.set(o.code, e);
  }
  return [...byCode.values()]
    .sort((a, b) => b.count - a.count || b.downtimeS - a.downtimeS || (a.code < b.code ? -1 : 1))
    .slice(0, 10);
}
