import { localHourOf, localParts, localToUtc } from '../time/local-time.ts';

const HOUR_MS = 3_600_000;

/** When the park is open, in park-local hours; rides are powered one hour either side. */
export interface OpeningHours {
  open: number;
  close: number;
}

/** A typical summer day of an Italian park. */
export const DEFAULT_OPENING_HOURS: OpeningHours = { open: 10, close: 22 };

/** One UTC-aligned hour of the generated period. */
export interface PlannedWindow {
  start: number;
  end: number;
  /** Park-local hour at the window start (0–23), for display and tests. */
  localHour: number;
  /** True when rides are powered (opening hours plus one hour before and after). */
  powered: boolean;
}

/** What period {@link planWindows} covers. */
export interface PeriodSpec {
  /** Park-local date `YYYY-MM-DD`. */
  fromDate: string;
  /** Park-local hour of that date to start at; 0 (midnight) by default. */
  fromHour?: number;
  /** Wall-clock hours to cover. */
  hours: number;
  timeZone: string;
  opening?: OpeningHours;
}

/**
 * The hour windows of a period given in park-local wall-clock time. Wall-clock, so 24 hours
 * from midnight is one calendar day: 23 windows on the spring-forward day and 25 on the
 * fall-back day.
 */
export function planWindows(spec: PeriodSpec): PlannedWindow[] {
  const { timeZone, hours } = spec;
  const opening = spec.opening ?? DEFAULT_OPENING_HOURS;
  const fromHour = spec.fromHour ?? 0;
  const [y, m, d] = spec.fromDate.split('-').map(Number) as [number, number, number];
  const start = localToUtc(timeZone, y, m, d, fromHour);
  const total = fromHour + hours;
  // Date.UTC normalises day overflow (e.g. 32 March), so this is calendar arithmetic.
  const endDay = new Date(Date.UTC(y, m - 1, d + Math.floor(total / 24)));
  const end = localToUtc(
    timeZone,
    endDay.getUTCFullYear(),
    endDay.getUTCMonth() + 1,
    endDay.getUTCDate(),
    total % 24,
  );
  const windows: PlannedWindow[] = [];
  // Windows are aligned to UTC hours; in zones with half-hour offsets the first one starts early.
  for (let t = Math.floor(start / HOUR_MS) * HOUR_MS; t < end; t += HOUR_MS) {
    const localHour = localParts(t, timeZone).hour;
    const mid = localHourOf(t + HOUR_MS / 2, timeZone);
    const powered = mid >= opening.open - 1 && mid < opening.close + 1;
    windows.push({ start: t, end: t + HOUR_MS, localHour, powered });
  }
  return windows;
}

/** True while the park admits riders. */
export function isOpen(utcMs: number, timeZone: string, opening = DEFAULT_OPENING_HOURS): boolean {
  const h = localHourOf(utcMs, timeZone);
  return h >= opening.open && h < opening.close;
}

// Share of peak demand over the local day: quiet mornings, busy afternoons, a tail at dusk.
const DEMAND_CURVE: readonly (readonly [number, number])[] = [
  [10, 0.2],
  [11, 0.35],
  [12, 0.55],
  [13, 0.7],
  [14, 0.85],
  [15, 1],
  [16.5, 1],
  [18, 0.85],
  [20, 0.6],
  [22, 0.35],
];

/**
 * How busy the park is at `utcMs`, 0 (closed or empty) to 1 (peak). Weekends are busier than
 * weekdays, which is what park operators see in their gate counts.
 */
export function demandAt(utcMs: number, timeZone: string): number {
  const p = localParts(utcMs, timeZone);
  const h = p.hour + p.minute / 60;
  const first = DEMAND_CURVE[0];
  const last = DEMAND_CURVE[DEMAND_CURVE.length - 1];
  if (!first || !last || h < first[0] || h >= last[0]) return 0;
  let value = first[1];
  for (let i = 1; i < DEMAND_CURVE.length; i++) {
    const a = DEMAND_CURVE[i - 1];
    const b = DEMAND_CURVE[i];
    if (a && b && h >= a[0] && h < b[0]) {
      value = a[1] + ((b[1] - a[1]) * (h - a[0])) / (b[0] - a[0]);
      break;
    }
  }
  const weekend = p.weekday === 0 || p.weekday === 6;
  return weekend ? value : value * 0.75;
}
