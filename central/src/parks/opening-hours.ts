import { localParts, localToUtc } from '@zra/shared';
import { z } from 'zod';

/** Wall-clock `HH:MM`; `24:00` is allowed as a closing time (open until midnight). */
const clock = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, { message: 'expected a time as HH:MM' });

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
};

/** One day's hours in park-local wall-clock time; closing is after opening on the same day. */
export const dailyHoursSchema = z
  .strictObject({ open: clock, close: clock })
  .refine((d) => minutesOf(d.close) > minutesOf(d.open), {
    message: 'close must be after open (opening hours end on the day they start)',
  })
  .refine((d) => d.open !== '24:00', { message: 'open must be before 24:00' });

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/**
 * A park's opening hours, park-local: `open`/`close` hold every day unless `days` overrides a
 * weekday with other hours or `null` (closed that weekday).
 */
export const openingHoursSchema = z
  .strictObject({
    open: clock,
    close: clock,
    days: z.partialRecord(z.enum(WEEKDAYS), dailyHoursSchema.nullable()).optional(),
  })
  .refine((h) => minutesOf(h.close) > minutesOf(h.open), {
    message: 'close must be after open (opening hours end on the day they start)',
    path: ['close'],
  });

export type OpeningHours = z.infer<typeof openingHoursSchema>;

/** What parks created before opening hours existed got (migration 1795838460606_park-opening-hours). */
export const DEFAULT_OPENING_HOURS: OpeningHours = { open: '09:00', close: '19:00' };

/**
 * One park-local day of a period with its opening window as UTC instants (null: closed by the
 * hours). `open` equal to `close` means the window fell into a DST gap (02:00-03:00 on the
 * spring-forward day): the park had no opening that day.
 */
export interface OpeningDay {
  date: string;
  open: Date | null;
  close: Date | null;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * Resolves wall-clock opening hours to UTC for every park-local day touched by
 * [start, end). The zone's rules of each day apply, so on a DST day 09:00–19:00 is still ten
 * hours of opening but at another UTC offset than the day before. Each time resolves by R6
 * (`localToUtc`): a time skipped by the spring change to the end of the gap, a repeated one
 * to its first occurrence; so `open` is never after `close`, and hours that lie wholly in the
 * gap resolve to `open` = `close` (no opening), which the reporter accepts.
 */
export function resolveOpeningDays(
  hours: OpeningHours,
  timeZone: string,
  start: Date,
  end: Date,
): OpeningDay[] {
  const first = localParts(start.getTime(), timeZone);
  const last = localParts(end.getTime() - 1, timeZone);
  const lastKey = Date.UTC(last.year, last.month - 1, last.day);
  const days: OpeningDay[] = [];
  for (
    let key = Date.UTC(first.year, first.month - 1, first.day);
    key <= lastKey;
    key += 86_400_000
  ) {
    const d = new Date(key);
    const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    const weekday = WEEKDAYS[d.getUTCDay()] ?? 'sun';
    const override = hours.days?.[weekday];
    const today = override === undefined ? { open: hours.open, close: hours.close } : override;
    const date = `${y}-${pad(m)}-${pad(day)}`;
    if (today === null) {
      days.push({ date, open: null, close: null });
      continue;
    }
    const at = (hhmm: string): Date => {
      const mins = minutesOf(hhmm);
      // 24:00 is the next midnight; localToUtc's Date.UTC rolls the day over.
      return new Date(localToUtc(timeZone, y, m, day, Math.floor(mins / 60), mins % 60));
    };
    days.push({ date, open: at(today.open), close: at(today.close) });
  }
  return days;
}
