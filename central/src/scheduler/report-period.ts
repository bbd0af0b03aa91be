/** The periods a report rule can cover. */
export type ReportPeriod = 'day' | 'week' | 'month';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock fields of an instant in a zone, from the platform's tz database. */
function wallClock(utcMs: number, timeZone: string): Record<string, number> {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(utcMs)) parts[p.type] = Number(p.value);
  return parts;
}

/** The park-local calendar date of an instant. */
function localDate(at: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = wallClock(at.getTime(), timeZone);
  return { year: parts['year'] ?? 0, month: parts['month'] ?? 0, day: parts['day'] ?? 0 };
}

/** Offset of the zone from UTC at an instant, in ms (e.g. +2 h in Rome in summer). */
function offsetMs(utcMs: number, timeZone: string): number {
  const parts = wallClock(utcMs, timeZone);
  const asUtc = Date.UTC(
    parts['year'] ?? 0,
    (parts['month'] ?? 1) - 1,
    parts['day'] ?? 1,
    parts['hour'] ?? 0,
    parts['minute'] ?? 0,
    parts['second'] ?? 0,
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * The instant of local midnight starting a calendar date (month/day may overflow; Date.UTC
 * normalises them). Two passes settle the offset on either side of a DST change.
 */
function localMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day);
  let t = wall - offsetMs(wall, timeZone);
  t = wall - offsetMs(t, timeZone);
  return new Date(t);
}

/**
 * The period that just ended at a firing, in the park's calendar: for `day` the previous
 * local day, for `week` the previous Monday-to-Monday week, for `month` the previous month.
 * A daily rule firing at 06:00 on 2 June covers 1 June 00:00 → 2 June 00:00, park-local;
 * a DST day is 23 or 25 hours long.
 */
export function periodEndingAt(
  firing: Date,
  period: ReportPeriod,
  timeZone: string,
): { from: Date; to: Date } {
  const { year, month, day } = localDate(firing, timeZone);
  switch (period) {
    case 'day':
      return {
        from: localMidnight(year, month, day - 1, timeZone),
        to: localMidnight(year, month, day, timeZone),
      };
    case 'week': {
      // getUTCDay of the local date itself: 0 = Sunday; days since Monday.
      const sinceMonday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
      return {
        from: localMidnight(year, month, day - sinceMonday - 7, timeZone),
        to: localMidnight(year, month, day - sinceMonday, timeZone),
      };
    }
    case 'month':
      return {
        from: localMidnight(year, month - 1, 1, timeZone),
        to: localMidnight(year, month, 1, timeZone),
      };
  }
}
