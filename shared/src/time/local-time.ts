/** Wall-clock fields of an instant in a time zone. */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function formatterFor(timeZone: string): Intl.DateTimeFormat {
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
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock in `timeZone` at `utcMs`, from the platform's tz database (no fixed offsets). */
export function localParts(utcMs: number, timeZone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  return {
    year: Number(parts['year']),
    month: Number(parts['month']),
    day: Number(parts['day']),
    hour: Number(parts['hour']),
    minute: Number(parts['minute']),
    second: Number(parts['second']),
    weekday: WEEKDAYS.indexOf(parts['weekday'] ?? ''),
  };
}

/** Offset of `timeZone` from UTC at `utcMs`, in milliseconds (e.g. +2 h in Rome in summer). */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const p = localParts(utcMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/** The wall clock in `timeZone` at `utcMs` as milliseconds on a UTC time line (whole seconds). */
function wallClockMs(utcMs: number, timeZone: string): number {
  return Math.floor(utcMs / 1000) * 1000 + zoneOffsetMs(utcMs, timeZone);
}

/**
 * The UTC instant of a park-local wall-clock time (issue 14, rule R6): the FIRST instant at
 * which a clock in `timeZone` shows that time or a later one. So
 * - a time that exists once resolves to that instant;
 * - a time shown twice (the hour repeated when clocks go back) resolves to its first
 *   occurrence: 02:30 on 2026-10-25 in Rome is 00:30Z (02:30 CEST), not 01:30Z (02:30 CET);
 * - a time skipped when clocks go forward resolves to the end of the gap: 02:30 on 2026-03-29
 *   in Rome is 01:00Z (03:00 CEST), and 00:00 on 2026-09-06 in Santiago is 01:00 local.
 * The result never decreases as the wall time increases, so an interval of wall times (a day,
 * opening hours) never comes out reversed; it may come out empty. Fields overflow like
 * `Date.UTC` (hour 24 is the next day's 00:00, day 0 the last of the month before).
 */
export function localToUtc(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Every instant whose clock shows `wall` lies within 14 h of it, so the offsets a day either
  // side are the ones in force around it, as long as the zone changes its offset at most once
  // in those two days (true of every rule in use; local-time.test.ts scans the change days).
  const before = zoneOffsetMs(wall - DAY_MS, timeZone);
  const after = zoneOffsetMs(wall + DAY_MS, timeZone);
  // Earliest candidate first: a larger offset puts the same wall time earlier in UTC.
  const candidates = [wall - Math.max(before, after), wall - Math.min(before, after)];
  for (const t of candidates) {
    if (wallClockMs(t, timeZone) === wall) return t;
  }
  // Shown never: the clock jumps over `wall` at one instant between the candidates. Before it
  // the clock shows less than `wall`, from it on more; find it to the second.
  let lo = candidates[0] as number;
  let hi = candidates[1] as number;
  if (wallClockMs(lo, timeZone) >= wall || wallClockMs(hi, timeZone) < wall) return hi;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallClockMs(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Hours since local midnight as a fraction (14:30 → 14.5). */
export function localHourOf(utcMs: number, timeZone: string): number {
  const p = localParts(utcMs, timeZone);
  return p.hour + p.minute / 60 + p.second / 3600;
}
