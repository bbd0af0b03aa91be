import { localParts, localToUtc } from '@zra/shared';

/** The periods a report rule can cover. */
export type ReportPeriod = 'day' | 'week' | 'month';

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
  const { year, month, day } = localParts(firing.getTime(), timeZone);
  // Date.UTC normalises an overflowing month or day (day 0 = the last of the month before).
  const localMidnight = (y: number, m: number, d: number, tz: string): Date =>
    new Date(localToUtc(tz, y, m, d));
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
