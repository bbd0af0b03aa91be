import { localParts, localToUtc } from '@zra/shared';

/** One park-local calendar day: its date and the UTC instants it starts and ends at. */
export interface LocalDay {
  date: string;
  start: Date;
  end: Date;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * The last `count` park-local days up to and including the one `nowMs` falls in, oldest
 * first. Each day runs from its 00:00 to the next day's, resolved with the zone's rules of
 * that day (shared's localToUtc), so DST days have 23 or 25 hours.
 */
export function parkLocalDays(timeZone: string, count: number, nowMs: number): LocalDay[] {
  const today = localParts(nowMs, timeZone);
  const days: LocalDay[] = [];
  for (let back = count - 1; back >= 0; back -= 1) {
    // Calendar arithmetic on the date alone (noon UTC keeps it clear of any offset).
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day - back, 12));
    const next = new Date(d.getTime() + 86_400_000);
    days.push({
      date: `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`,
      start: new Date(
        localToUtc(timeZone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()),
      ),
      end: new Date(
        localToUtc(timeZone, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()),
      ),
    });
  }
  return days;
}
