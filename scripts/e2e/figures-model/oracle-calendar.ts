/**
 * Park-local calendar for the oracle, written from the rules (R6) with `Intl` alone, so it
 * shares nothing with `shared/src/time` or central's opening-hours code it checks.
 */

const HOUR = 3_600_000;
const QUARTER = 15 * 60_000;

const formats = new Map<string, Intl.DateTimeFormat>();

function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(tz, f);
  }
  return f;
}

/** The wall clock at `t` in `tz`, as if it were a UTC instant (for comparisons). */
export function wallClock(t: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of format(tz).formatToParts(new Date(t))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(
    p.year ?? 0,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  );
}

/** `YYYY-MM-DD` of the park-local day `t` falls in. */
export function localDate(t: number, tz: string): string {
  return new Date(wallClock(t, tz)).toISOString().slice(0, 10);
}

/**
 * R6: the first instant at which the zone's wall clock shows `wall` (a wall time written as a
 * UTC instant) or a later time. Offsets are whole quarter hours, so scanning quarter hours
 * from 15 h before finds it exactly, gaps and repeated hours included.
 */
export function resolveWall(wall: number, tz: string): number {
  for (let t = wall - 15 * HOUR; t <= wall + 15 * HOUR; t += QUARTER) {
    if (wallClock(t, tz) >= wall) return t;
  }
  throw new Error(`cannot resolve wall time ${new Date(wall).toISOString()} in ${tz}`);
}

/** The instant a park-local date starts (R6: its "00:00"). */
export function dayStart(date: string, tz: string): number {
  return resolveWall(Date.parse(`${date}T00:00:00Z`), tz);
}

export function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 24 * HOUR).toISOString().slice(0, 10);
}

export function previousDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 24 * HOUR).toISOString().slice(0, 10);
}

/** Every park-local date touched by [from, to). */
export function datesOf(from: number, to: number, tz: string): string[] {
  const last = localDate(to - 1, tz);
  const out: string[] = [];
  for (let d = localDate(from, tz); d <= last; d = nextDate(d)) out.push(d);
  return out;
}

export interface ParkOpeningHours {
  open: string;
  close: string;
  days?: Partial<Record<Weekday, { open: string; close: string } | null>>;
}

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface OpeningDay {
  date: string;
  /** Both null when closed (no hours that weekday, or open and close resolve alike). */
  open: number | null;
  close: number | null;
}

function wallOf(date: string, hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return Date.parse(`${date}T00:00:00Z`) + h * HOUR + m * 60_000;
}

/** The opening of each park-local date of [from, to), resolved by R6. */
export function openingDays(
  hours: ParkOpeningHours,
  tz: string,
  from: number,
  to: number,
): OpeningDay[] {
  return datesOf(from, to, tz).map((date) => {
    const weekday = WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()] ?? 'sun';
    const override = hours.days?.[weekday];
    const today = override === undefined ? { open: hours.open, close: hours.close } : override;
    if (today === null) return { date, open: null, close: null };
    const open = resolveWall(wallOf(date, today.open), tz);
    const close = resolveWall(wallOf(date, today.close), tz);
    return open < close ? { date, open, close } : { date, open: null, close: null };
  });
}
