/**
 * The dashboard's ride page against the oracle. The page asks central's figure queries for
 * its days and sums, clips and ranks what they answer itself, so it is checked as a report
 * is: per park-local day its cycles, riders, availability and hours with data; over the days
 * shown, each listed alarm code's occurrences and downtime, and each channel's cycles and p95
 * of cycle peaks (oracle-peaks.ts). Two days of data and the empty day before them, as the
 * page shows them the evening after the last day. The park page's availability of each ride
 * today (the fleet page's query, ride-availability.ts) likewise.
 */
import { parkDetail, rideDetail, type RideDetail } from '@zra/central';
import { near, nullableNear, show, type Finding } from './compare.ts';
import type { FiguresEnvironment } from './environment.ts';
import { dayStart, datesOf, nextDate, previousDate } from './oracle-calendar.ts';
import { expectedPeaks } from './oracle-peaks.ts';
import { expectedReport } from './oracle-report.ts';
import type { OracleModel } from './oracle.ts';
import { comparePeaks } from './peaks-check.ts';
import type { Scenario } from './scenario.ts';

type Find = (rules: Finding['rules'], where: string, lines: string[]) => void;

interface Shown {
  scenario: Scenario;
  model: OracleModel;
  /** The first shown day's start (the empty day before the data) and the last one's end. */
  from: number;
  to: number;
}

/** Checks every ride's page and the park page; returns how many figures were compared. */
export async function checkRidePages(
  env: FiguresEnvironment,
  scenario: Scenario,
  model: OracleModel,
  find: Find,
): Promise<number> {
  const tz = scenario.timezone;
  const from = Math.min(...scenario.reports.map((r) => r.from));
  const to = Math.max(...scenario.reports.map((r) => r.to));
  const shown: Shown = {
    scenario,
    model,
    from: dayStart(previousDate(datesOf(from, to, tz)[0] ?? ''), tz),
    to,
  };
  const dates = datesOf(shown.from, to, tz);
  const today = dates.at(-1) ?? '';
  // An hour before the last day ends: the page's "today" is the scenario's last day.
  const now = to - 3_600_000;
  let compared = 0;
  for (const ride of scenario.rides) {
    const page = await rideDetail(
      env.pool,
      { park: scenario.park, ride: ride.id, days: dates.length },
      now,
    );
    const check = checkRidePage(shown, ride.id, dates, page);
    compared += check.compared;
    if (check.lines.length > 0) {
      find(['R4'], `dashboard ride page ${ride.id}, ${dates.length} days to ${today}`, check.lines);
    }
  }

  const park = await parkDetail(env.pool, { park: scenario.park, days: 1 }, 10 * 60_000, now);
  const lines: string[] = [];
  for (const ride of scenario.rides) {
    const expected = expectedDay(shown, ride.id, today).availability;
    const got = park.rides.find((r) => r.id === ride.id)?.availabilityToday ?? null;
    compared++;
    if (!nullableNear(expected, got)) {
      lines.push(`${ride.id} availability today: expected ${show(expected)}, got ${show(got)}`);
    }
  }
  if (lines.length > 0) find(['R4'], `dashboard park page, today ${today}`, lines);
  return compared;
}

/** The oracle's report of one ride over one park-local day. */
function expectedDay({ scenario, model }: Shown, ride: string, date: string) {
  const tz = scenario.timezone;
  return expectedReport(
    model,
    { ride, from: dayStart(date, tz), to: dayStart(nextDate(date), tz) },
    tz,
    scenario.openingHours,
  );
}

function checkRidePage(
  shown: Shown,
  ride: string,
  dates: string[],
  page: RideDetail,
): { lines: string[]; compared: number } {
  const lines: string[] = [];
  let compared = 0;
  if (page.days.map((d) => d.date).join() !== dates.join()) {
    lines.push(
      `days: expected ${dates.join(', ')}, got ${page.days.map((d) => d.date).join(', ')}`,
    );
  }
  for (const day of page.days) {
    const exp = expectedDay(shown, ride, day.date);
    const pairs: [string, number | null, number | null][] = [
      ['cycles', exp.cycles, day.cycles],
      ['riders', exp.riders, day.riders],
      ['hours with data', exp.hoursWithData, day.hoursWithData],
      ['availability', exp.availability, day.availability],
    ];
    for (const [name, e, g] of pairs) {
      compared++;
      if (!nullableNear(e, g))
        lines.push(`${day.date} ${name}: expected ${show(e)}, got ${show(g)}`);
    }
  }

  const { scenario, model, from, to } = shown;
  const span = expectedReport(model, { ride, from, to }, scenario.timezone, scenario.openingHours);
  const codes = span.alarmCodes.map((a) => a.code);
  const listed = page.topAlarms.map((a) => a.code);
  compared++;
  if (listed.length !== Math.min(10, codes.length)) {
    lines.push(
      `alarm codes listed: expected ${Math.min(10, codes.length)} (of ${codes.join(', ') || 'none'}), got ${listed.join(', ') || 'none'}`,
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

  const peaks = comparePeaks(
    expectedPeaks(model, ride, from, to, null).map((p) => ({ ...p, key: p.channel })),
    page.channels.map((c) => ({ ...c, key: c.channel })),
  );
  return { lines: [...lines, ...peaks.lines], compared: compared + peaks.compared };
}
