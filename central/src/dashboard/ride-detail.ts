import { loadRideModels, type RideModels } from '@zra/shared';
import type pg from 'pg';
import { parkAgentHealth } from '../agents/heartbeat-store.ts';
import { DomainError } from '../domain-error.ts';
import {
  alarmOccurrences,
  isDowntime,
  type AlarmOccurrence,
} from '../reports/figures/alarm-occurrences.ts';
import { channelPeaks } from '../reports/figures/channel-peaks.ts';
import type { FigureScope } from '../reports/figures/figure-scope.ts';
import { rideHours, type RideHour } from '../reports/figures/ride-hours.ts';
import { agentView } from './agent-view.ts';
import { cachedRideFigures, type RideFigures } from './ride-figures-cache.ts';
import type { RideDetail, RideInput } from './dashboard-schemas.ts';
import { parkLocalDays, type LocalDay } from './park-local-days.ts';
import { availabilityOf, requirePark } from './park-detail.ts';

let rideModels: RideModels | undefined;
/** The shipped ride models (units and thresholds), read once. */
function models(): RideModels {
  return (rideModels ??= loadRideModels());
}

const SEVERITY_RANK = ['info', 'warning', 'fault', 'critical'];

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
      rideFigures(pool, { park: park.id, ride: r.id, model: r.model }, days, {
        start: first.start,
        end: last.end,
      }),
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

/** The ride's KPIs per day, top alarms and channel health, from its stored data. */
async function rideFigures(
  pool: pg.Pool,
  ride: { park: string; ride: string; model: string },
  days: LocalDay[],
  /** From the first day's start to the last day's end. */
  span: { start: Date; end: Date },
): Promise<RideFigures> {
  const perDay: FigureScope = {
    buckets: days.map((d) => ({ park: ride.park, start: d.start, end: d.end })),
    ride: ride.ride,
  };
  const shown: FigureScope = {
    buckets: [{ park: ride.park, ...span }],
    ride: ride.ride,
  };
  const [hours, occurrences, channels] = await Promise.all([
    rideHours(pool, perDay),
    alarmOccurrences(pool, shown),
    channelPeaks(pool, shown, null),
  ]);
  const specs = models().models.find((m) => m.id === ride.model)?.channels ?? [];
  return {
    days: dayFigures(days, hours),
    topAlarms: topAlarms(occurrences),
    channels: channels.map((c) => {
      const spec = specs.find((x) => x.channel === c.channel);
      return {
        channel: c.channel,
        unit: spec?.unit ?? null,
        threshold: spec?.threshold ?? null,
        cycles: c.cycles,
        p95Peak: c.p95Peak,
      };
    }),
  };
}

/** Per day: totals of its ride-hours; availability over the minutes with data. */
function dayFigures(days: LocalDay[], hours: RideHour[]): RideDetail['days'] {
  return days.map((d, i) => {
    const own = hours.filter((h) => h.bucket === i);
    return {
      date: d.date,
      cycles: own.reduce((s, h) => s + h.cycles, 0),
      riders: own.reduce((s, h) => s + h.riders, 0),
      availability: availabilityOf(own),
      faultMinutes: own.reduce((s, h) => s + h.faultMinutes, 0),
      hoursWithData: own.length,
    };
  });
}

/**
 * Alarm codes by occurrences, then downtime (at most ten). `activeS` is the occurrences' time
 * in the days shown; `downtimeS` the same for `fault` and `critical` only (R4).
 */
export function topAlarms(occurrences: AlarmOccurrence[]): RideDetail['topAlarms'] {
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
