/**
 * The dashboard's ride page against the oracle. The page asks central's figure queries for
 * its days and sums, clips and ranks what they answer itself, so it is checked as a report
 * is: per park-local day its cycles, riders, availability and hours with data; over the days
 * shown, each listed alarm code's occurrences and downtime. Two days of data and the empty
 * day before them, as the page shows them the evening after the last day; and its channel
 * health, the p95 of the counted cycles' peaks per channel (oracle-peaks.ts). The park page's
 * availability of each ride today (the fleet page's query, ride-availability.ts) likewise.
 */
import { parkDetail, rideDetail } from '@zra/central';
import { near, type Finding } from './compare.ts';
import type { FiguresEnvironment } from './environment.ts';
import { dayStart, datesOf, nextDate } from './oracle-calendar.ts';
import { expectedPeaks } from './oracle-peaks.ts';
import { expectedReport } from './oracle-report.ts';
import type { OracleModel } from './oracle.ts';
import type { Scenario } from './scenario.ts';

/** The page's days: the scenario's whole span and the day before it. */
const EMPTY_DAYS_BEFORE = 1;

const show = (v: number | null): string =>
  v === null ? 'null' : Number.isInteger(v) ? String(v) : v.toPrecision(8);

const same = (e: number | null, g: number | null): boolean =>
  e === null || g === null ? e === g : near(e, g);

/** The calendar date `n` days before `date` (YYYY-MM-DD). */
function daysBefore(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

/** Checks every ride's page; returns how many figures were compared. */
export async function checkRidePages(
  env: FiguresEnvironment,
  scenario: Scenario,
  model: OracleModel,
  find: (rules: Finding['rules'], where: string, lines: string[]) => void,
): Promise<number> {
  const tz = scenario.timezone;
  const from = Math.min(...scenario.reports.map((r) => r.from));
  const to = Math.max(...scenario.reports.map((r) => r.to));
  const dates = datesOf(from, to, tz);
  const shownFrom = dayStart(daysBefore(dates[0] ?? '', EMPTY_DAYS_BEFORE), tz);
  // An hour before the last day ends: the page's "today" is the scenario's last day.
  const now = to - 3_600_000;
  let compared = 0;
  for (const ride of scenario.rides) {
    const where = `dashboard ride page ${ride.id}, ${dates.length + EMPTY_DAYS_BEFORE} days to ${dates.at(-1)}`;
    const page = await rideDetail(
      env.pool,
      { park: scenario.park, ride: ride.id, days: dates.length + EMPTY_DAYS_BEFORE },
      now,
    );
    const lines: string[] = [];
    const shownDates = datesOf(shownFrom, to, tz);
    if (page.days.map((d) => d.date).join() !== shownDates.join()) {
      lines.push(
        `days: expected ${shownDates.join(', ')}, got ${page.days.map((d) => d.date).join(', ')}`,
      );
    }
    for (const day of page.days) {
      const exp = expectedReport(
        model,
        { ride: ride.id, from: dayStart(day.date, tz), to: dayStart(nextDate(day.date), tz) },
        tz,
        scenario.openingHours,
      );
      const pairs: [string, number | null, number | null][] = [
        ['cycles', exp.cycles, day.cycles],
        ['riders', exp.riders, day.riders],
        ['hours with data', exp.hoursWithData, day.hoursWithData],
        ['availability', exp.availability, day.availability],
      ];
      for (const [name, e, g] of pairs) {
        compared++;
        if (!same(e, g)) lines.push(`${day.date} ${name}: expected ${show(e)}, got ${show(g)}`);
      }
    }
    const span = expectedReport(
      model,
      { ride: ride.id, from: shownFrom, to },
      tz,
      scenario.openingHours,
    );
    const listed = new Set(page.topAlarms.map((a) => a.code));
    compared++;
    if (listed.size !== Math.min(10, span.alarmCodes.length)) {
      lines.push(
        `alarm codes listed: expected ${Math.min(10, span.alarmCodes.length)} (of ${span.alarmCodes.map((a) => a.code).join(', ') || 'none'}), got ${[...listed].join(', ') || 'none'}`,
      );
    }
    for (const got of page.topAlarms) {
      const exp = span.alarmCodes.find((a) => a.code === got.code);
      compared += 2;
      if (!exp) {
        lines.push(`alarm ${got.code}: listed, but no occurrence of it touches the days shown`);
        continue;
      }
      if (exp.count !== got.count) {
        lines.push(`alarm ${got.code} occurrences: expected ${exp.count}, got ${got.count}`);
      }
      if (!near(exp.downtimeS, got.downtimeS)) {
        lines.push(
          `alarm ${got.code} downtime: expected ${show(exp.downtimeS)} s, got ${show(got.downtimeS)} s`,
        );
      }
    }
    const peaks = expectedPeaks(model, ride.id, shownFrom, to, null);
    compared++;
    const channels = (list: { channel: string }[]) =>
      list
        .map((c) => c.channel)
        .sort()
        .join(', ');
    if (channels(page.channels) !== channels(peaks)) {
      lines.push(
        `channels: expected ${channels(peaks) || 'none'}, got ${channels(page.channels) || 'none'}`,
      );
    }
    for (const got of page.channels) {
      const exp = peaks.find((p) => p.channel === got.channel);
      if (!exp) continue;
      compared += 2;
      if (exp.cycles !== got.cycles) {
        lines.push(`channel ${got.channel} cycles: expected ${exp.cycles}, got ${got.cycles}`);
      }
      if (!near(exp.p95Peak, got.p95Peak)) {
        lines.push(
          `channel ${got.channel} p95 of cycle peaks: expected ${show(exp.p95Peak)}, got ${show(got.p95Peak)}`,
        );
      }
    }
    if (lines.length > 0) find(['R4'], where, lines);
  }

  const park = await parkDetail(env.pool, { park: scenario.park, days: 1 }, 10 * 60_000, now);
  const today = dates.at(-1) ?? '';
  const lines: string[] = [];
  for (const ride of scenario.rides) {
    const exp = expectedReport(
      model,
      { ride: ride.id, from: dayStart(today, tz), to: dayStart(nextDate(today), tz) },
      tz,
      scenario.openingHours,
    );
    const got = park.rides.find((r) => r.id === ride.id)?.availabilityToday ?? null;
    compared++;
    if (!same(exp.availability, got)) {
      lines.push(
        `${ride.id} availability today: expected ${show(exp.availability)}, got ${show(got)}`,
      );
    }
  }
  if (lines.length > 0) find(['R4'], `dashboard park page, today ${today}`, lines);
  return compared;
}
