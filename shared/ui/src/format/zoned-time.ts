/**
 * Instants shown in a named IANA time zone, never the browser's: a Zamperla engineer in New
 * York reading a Rome park's page sees Rome's clock, and the page says so. Dates carry the year.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, ...options });
    formats.set(key, f);
  }
  return f;
}

const DATE_TIME: Intl.DateTimeFormatOptions = {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};

/** "2 Dec 2026, 14:05" on the clock of `timeZone`; a dash for null. */
export function when(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '—';
  return format(timeZone, DATE_TIME).format(new Date(iso));
}

/** As {@link when}, with the zone's short name: "2 Dec 2026, 14:05 CET" (lists across parks). */
export function whenZoned(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '—';
  return format(timeZone, { ...DATE_TIME, timeZoneName: 'short' }).format(new Date(iso));
}

/** A calendar date `2026-12-02` as "2 Dec 2026" (or "2 Dec" without the year, for axes). */
export function dayLabel(date: string, withYear = true): string {
  return format('UTC', {
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
  }).format(new Date(`${date}T12:00:00Z`));
}

/** The calendar date (`yyyy-mm-dd`) that the clock of `timeZone` shows at `ms`. */
export function localDate(ms: number, timeZone: string): string {
  const parts = format(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date(ms))
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** `yyyy-mm-dd` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The sentence that labels a page's times: "Times are Europe/Rome time (the park's)." */
export function zoneNote(timeZone: string, whose = "the park's"): string {
  return `Times are ${timeZone} time (${whose}).`;
}

/** Whether the clock of `timeZone` shows exactly 00:00:00 at `ms`. */
function isLocalMidnight(ms: number, timeZone: string): boolean {
  const time = format(timeZone, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
  return time === '00:00:00' && new Date(ms).getUTCMilliseconds() === 0;
}

/**
 * A report's period as its PDF names it. A period of whole park-local days ends at the start
 * of the day after, so it reads by its days ("2 Dec 2026", "1 Nov 2026 – 30 Nov 2026"), not by
 * its exclusive end ("… – 3 Dec 2026, 00:00", which reads as if the 3rd were in it); any other
 * period reads by its instants.
 */
export function periodLabel(period: { start: string; end: string }, timeZone: string): string {
  const start = Date.parse(period.start);
  const end = Date.parse(period.end);
  if (!isLocalMidnight(start, timeZone) || !isLocalMidnight(end, timeZone) || end <= start) {
    return `${when(period.start, timeZone)} – ${when(period.end, timeZone)}`;
  }
  const first = localDate(start, timeZone);
  const last = localDate(end - 1, timeZone);
  return first === last ? dayLabel(first) : `${dayLabel(first)} – ${dayLabel(last)}`;
}
