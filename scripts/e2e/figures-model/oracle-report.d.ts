/**
 * The independent oracle, part 2: the figures a report over a period must show, computed from
 * the oracle's ride-hours and alarm occurrences with the definitions of docs/job-contracts.md,
 * docs/rust.md ("Reporter figures") and rules R4/R5:
 *
 * - cycles, riders, outcomes: sums over the ride-hours whose hour starts in the period;
 * - availability: mean of the ride-hours' availability weighted by their minutes in the
 *   period (null without data); operating time: Σ availability × seconds in the period;
 * - alarms: every occurrence whose clipped span touches the period is listed, whenever it
 *   was raised; its time in the period is its span ∩ period; only fault/critical time is
 *   downtime; failures are the listed fault/critical occurrences; MTTR = their time ÷
 *   failures; MTBF = operating time ÷ failures;
 * - completeness: ride-hours with data inside the park's opening (resolved by R6) against
 *   the opening × the rides expected (the report's ride; for a park report the rides with
 *   data in the period: the rides are created by the uploads, after the periods reported).
 */
import { type ParkOpeningHours } from './oracle-calendar.ts';
import { type OracleModel } from './oracle.ts';
export interface ReportScope {
  ride: string | null;
  from: number;
  to: number;
}
export interface ExpectedAlarmCode {
  code: string;
  count: number;
  downtimeS: number;
}
export interface ExpectedDay {
  date: string;
  cycles: number;
  riders: number;
  availability: number | null;
  completeness: number | null;
  closed: boolean;
}
export interface ExpectedReport {
  cycles: number;
  riders: number;
  completed: number;
  aborted: number;
  estop: number;
  availability: number | null;
  hoursWithData: number;
  failures: number;
  operatingS: number;
  mtbfS: number | null;
  mttrS: number | null;
  /** Every code listed in the period (the summary shows at most ten). */
  alarmCodes: ExpectedAlarmCode[];
  days: ExpectedDay[];
  completeness: {
    rideHoursWithData: number;
    rideHoursExpected: number;
    rideHoursOutsideOpening: number;
    ratio: number | null;
  };
  /** The listed occurrences with their time in the period (for failure messages). */
  occurrences: {
    ride: string;
    code: string;
    severity: string;
    raisedAt: number;
    inPeriodS: number;
  }[];
}
export declare function expectedReport(
  model: OracleModel,
  scope: ReportScope,
  tz: string,
  hours: ParkOpeningHours,
): ExpectedReport;
