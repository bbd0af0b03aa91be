/**
 * Park-local calendar for the oracle, written from the rules (R6) with `Intl` alone, so it
 * shares nothing with `shared/src/time` or central's opening-hours code it checks.
 */
/** The wall clock at `t` in `tz`, as if it were a UTC instant (for comparisons). */
export declare function wallClock(t: number, tz: string): number;
/** `YYYY-MM-DD` of the park-local day `t` falls in. */
export declare function localDate(t: number, tz: string): string;
/**
 * R6: the first instant at which the zone's wall clock shows `wall` (a wall time written as a
 * UTC instant) or a later time. Offsets are whole quarter hours, so scanning quarter hours
 * from 15 h before finds it exactly, gaps and repeated hours included.
 */
export declare function resolveWall(wall: number, tz: string): number;
/** The instant a park-local date starts (R6: its "00:00"). */
export declare function dayStart(date: string, tz: string): number;
export declare function nextDate(date: string): string;
/** Every park-local date touched by [from, to). */
export declare function datesOf(from: number, to: number, tz: string): string[];
export interface ParkOpeningHours {
  open: string;
  close: string;
  days?: Partial<
    Record<
      Weekday,
      {
        open: string;
        close: string;
      } | null
    >
  >;
}
export declare const WEEKDAYS: readonly ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
export type Weekday = (typeof WEEKDAYS)[number];
export interface OpeningDay {
  date: string;
  /** Both null when closed (no hours that weekday, or open and close resolve alike). */
  open: number | null;
  close: number | null;
}
/** The opening of each park-local date of [from, to), resolved by R6. */
export declare function openingDays(
  hours: ParkOpeningHours,
  tz: string,
  from: number,
  to: number,
): OpeningDay[];
