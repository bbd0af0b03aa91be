/**
 * The independent oracle, part 2: the figures a report over a period must show, computed from
 * the oracle's ride-hours and alarm occurrences with the definitions of docs/job-contracts.md,
 * docs/rust.md ("Reporter figures") and rules R4/R5:
 *
 * - cycles, riders, outcomes: sums over the ride-hours whose hour starts in the period;
 * - availability: mean of the ride-hours' availability weighted by their minutes in the
 *   period (null without data); operating time: Σ availability × seconds in the period;
 * - alarms: every occurrence whose clipped span touches the period is listed, whenever it
 *   was raised; its time in the period is its span ∩ period; only fault/critical time is
 *   downtime; failures are the listed fault/critical occurrences; MTTR = their time ÷
 *   failures; MTBF = operating time ÷ failures;
 * - completeness: ride-hours with data inside the park's opening (resolved by R6) against
 *   the opening × the rides expected (the report's ride; for a park report the rides with
 *   data in the period: the rides are created by the uploads, after the periods reported).
 */
import { datesOf, localDate, openingDays, type ParkOpeningHours } from './oracle-calendar.ts';
import { clip, HOUR, measure, touches, type OracleModel } from './oracle.ts';

export interface ReportScope {
  ride: string | null;
  from: number;
  to: number;
}

export interface ExpectedAlarmCode {
  code: string;
  count: number;
  downtimeS: number;
}

export interface ExpectedDay {
  date: string;
  cycles: number;
  riders: number;
  availability: number | null;
  completeness: number | null;
  closed: boolean;
}

export interface ExpectedReport {
  cycles: number;
  riders: number;
  completed: number;
  aborted: number;
  estop: number;
  availability: number | null;
  hoursWithData: number;
  failures: number;
  operatingS: number;
  mtbfS: number | null;
  mttrS: number | null;
  /** Every code listed in the period (the summary shows at most ten). */
  alarmCodes: ExpectedAlarmCode[];
  days: ExpectedDay[];
  completeness: {
    rideHoursWithData: number;
    rideHoursExpected: number;
    rideHoursOutsideOpening: number;
    ratio: number | null;
  };
  /** The listed occurrences with their time in the period (for failure messages). */
  occurrences: {
    ride: string;
    code: string;
    severity: string;
    raisedAt: number;
    inPeriodS: number;
  }[];
}

interface Acc {
  cycles: number;
  riders: number;
  weighted: number;
  minutes: number;
}

const avail = (a: Acc): number | null => (a.minutes > 0 ? a.weighted / a.minutes : null);

export function expectedReport(
  model: OracleModel,
  scope: ReportScope,
  tz: string,
  hours: ParkOpeningHours,
): ExpectedReport {
  const { from, to } = scope;
  const rows = model.rows.filter(
    (r) =>
      (scope.ride === null || r.ride === scope.ride) && r.hourStart >= from && r.hourStart < to,
  );
  const total: Acc = { cycles: 0, riders: 0, weighted: 0, minutes: 0 };
  const perDay = new Map<string, Acc>(
    datesOf(from, to, tz).map((d) => [d, { cycles: 0, riders: 0, weighted: 0, minutes: 0 }]),
  );
  let completed = 0;
  let aborted = 0;
  let estop = 0;
  let operatingS = 0;
  for (const r of rows) {
    const minutes = (Math.min(r.hourStart + HOUR, to) - r.hourStart) / 60_000;
    const day = perDay.get(localDate(r.hourStart, tz));
    for (const acc of day ? [total, day] : [total]) {
      acc.cycles += r.cycles;
      acc.riders += r.riders;
      acc.weighted += r.availability * minutes;
      acc.minutes += minutes;
    }
    completed += r.completed;
    aborted += r.aborted;
    estop += r.estop;
    operatingS += r.availability * minutes * 60;
  }

  const listed = model.occurrences
    .filter((o) => (scope.ride === null || o.ride === scope.ride) && touches(o.spans, from, to))
    .map((o) => ({ ...o, inPeriodS: measure(clip(o.spans, from, to)) / 1000 }));
  const byCode = new Map<string, ExpectedAlarmCode>();
  let failures = 0;
  let repairS = 0;
  for (const o of listed) {
    const downtime = o.severity === 'fault' || o.severity === 'critical';
    const e = byCode.get(o.code) ?? { code: o.code, count: 0, downtimeS: 0 };
    e.count++;
    if (downtime) {
      e.downtimeS += o.inPeriodS;
      failures++;
      repairS += o.inPeriodS;
    }
    byCode.set(o.code, e);
  }

  // Completeness against the opening hours.
  const rides = scope.ride === null ? [...new Set(rows.map((r) => r.ride))] : [scope.ride];
  const opening = openingDays(hours, tz, from, to).map((d) => ({
    ...d,
    open: d.open === null ? null : Math.max(d.open, from),
    close: d.close === null ? null : Math.min(d.close, to),
  }));
  const dayWith = new Map<string, number>();
  const dayExpected = new Map<string, number>();
  let inside = 0;
  let all = 0;
  for (const d of opening) {
    if (d.open !== null && d.close !== null && d.open < d.close) {
      dayExpected.set(d.date, ((d.close - d.open) / HOUR) * rides.length);
    }
  }
  for (const r of rows.filter((x) => rides.includes(x.ride))) {
    const a = r.hourStart;
    const b = Math.min(r.hourStart + HOUR, to);
    all += (b - a) / HOUR;
    for (const d of opening) {
      if (d.open === null || d.close === null) continue;
      const overlap = Math.max(0, Math.min(b, d.close) - Math.max(a, d.open)) / HOUR;
      if (overlap > 0) {
        inside += overlap;
        dayWith.set(d.date, (dayWith.get(d.date) ?? 0) + overlap);
      }
    }
  }
  const expectedTotal = [...dayExpected.values()].reduce((s, x) => s + x, 0);

  return {
    cycles: total.cycles,
    riders: total.riders,
    completed,
    aborted,
    estop,
    availability: avail(total),
    hoursWithData: new Set(rows.map((r) => r.hourStart)).size,
    failures,
    operatingS,
    mtbfS: failures > 0 ? operatingS / failures : null,
    mttrS: failures > 0 ? repairS / failures : null,
    alarmCodes: [...byCode.values()],
    days: [...perDay].map(([date, acc]) => {
      const expected = dayExpected.get(date) ?? 0;
      const closedDay = opening.find((d) => d.date === date);
      return {
        date,
        cycles: acc.cycles,
        riders: acc.riders,
        availability: avail(acc),
        completeness: expected > 0 ? (dayWith.get(date) ?? 0) / expected : null,
        closed: closedDay !== undefined && closedDay.open === null,
      };
    }),
    completeness: {
      rideHoursWithData: inside,
      rideHoursExpected: expectedTotal,
      rideHoursOutsideOpening: all - inside,
      ratio: expectedTotal > 0 ? inside / expectedTotal : null,
    },
    occurrences: listed.map((o) => ({
      ride: o.ride,
      code: o.code,
      severity: o.severity,
      raisedAt: o.raisedAt,
      inPeriodS: o.inPeriodS,
    })),
  };
}
