import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import cron from 'node-cron';
import { localParts, localToUtc } from './local-time.ts';

// node-cron's own reading of an expression (names, ranges, steps, 5 or 6 fields), so rules mean
// what `cron.validate` accepted. It is not in the package's exports map, hence the path;
// node-cron is pinned to an exact version. Its own next-match walker is not used: across a DST
// change it jumps to the next year (node-cron 4.2.1), which skipped that day's reports.
const require = createRequire(import.meta.url);
const convert = (
  require(join(dirname(require.resolve('node-cron')), 'pattern', 'convertion', 'index.js')) as {
    default: (expression: string) => number[][];
  }
).default;

/**
 * True when `expression` is a rule this module reads: node-cron's syntax, 5 fields ("minute
 * hour day month weekday") or 6 with seconds first. The agent's pull rules and central's
 * report rules are checked with it, and fire by {@link nextFiring}.
 */
export function isCronExpression(expression: string): boolean {
  return cron.validate(expression);
}

/** How far ahead a rule is searched for its next firing: 29 February comes every 4 to 8 years. */
const SEARCH_DAYS = 8 * 366;

interface Fields {
  seconds: number[];
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
}

const parsed = new Map<string, Fields>();

function fieldsOf(cron: string): Fields {
  let f = parsed.get(cron);
  if (!f) {
    const [seconds, minutes, hours, days, months, weekdays] = convert(cron).map((values) =>
      [...new Set(values)].sort((a, b) => a - b),
    ) as [number[], number[], number[], number[], number[], number[]];
    f = {
      seconds,
      minutes,
      hours,
      days: new Set(days),
      months: new Set(months),
      weekdays: new Set(weekdays),
    };
    parsed.set(cron, f);
  }
  return f;
}

/** The first of `sorted` for which `isAfter` holds, given it holds from some point on; or undefined. */
function firstWhere(sorted: number[], isAfter: (v: number) => boolean): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (isAfter(sorted[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return sorted[lo];
}

/**
 * The first firing of `cron` (node-cron syntax, park-local wall time) strictly after `after`,
 * or null if it never fires in the next eight years. Wall times resolve by rule R6 (issue 14),
 * like opening hours and report periods: a time skipped by the spring change fires at the end
 * of the gap (a daily 00:00 rule fires at 01:00 on Santiago's spring-forward day, 02:30 at
 * 03:00 in Rome), a repeated time fires once, at its first occurrence. Several wall times
 * that resolve to one instant (02:00 and 02:30 in the gap) are one firing.
 */
export function nextFiring(cron: string, timeZone: string, after: Date): Date | null {
  const f = fieldsOf(cron);
  const afterMs = after.getTime();
  const last = (values: number[]) => values[values.length - 1] as number;
  // From the local date before `after`'s: a wall time late on one date can resolve to the
  // start of the next (a gap across midnight).
  const p = localParts(afterMs, timeZone);
  for (let k = -1; k <= SEARCH_DAYS; k++) {
    const date = new Date(Date.UTC(p.year, p.month - 1, p.day + k));
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (!f.months.has(m) || !f.days.has(d) || !f.weekdays.has(date.getUTCDay())) continue;
    const resolvesAfter = (h: number, mi: number, s: number) =>
      localToUtc(timeZone, y, m, d, h, mi, s) > afterMs;
    // R6 resolution never decreases as the wall time increases, so the first wall time of the
    // date that resolves after `after` is found field by field, by bisection.
    if (!resolvesAfter(last(f.hours), last(f.minutes), last(f.seconds))) continue;
    const h = firstWhere(f.hours, (v) =>
      resolvesAfter(v, last(f.minutes), last(f.seconds)),
    ) as number;
    const mi = firstWhere(f.minutes, (v) => resolvesAfter(h, v, last(f.seconds))) as number;
    const s = firstWhere(f.seconds, (v) => resolvesAfter(h, mi, v)) as number;
    return new Date(localToUtc(timeZone, y, m, d, h, mi, s));
  }
  return null;
}

/** How many made-up firings one rule gets per pass at most (a per-second rule after a day off). */
export const MAX_CATCH_UP_PER_RULE = 100;

/**
 * The instants in `(after, until]` at which `cron` fires in `timezone`: the latest `max` of
 * them (the oldest of a long outage matter least). Looks back from `until` in growing spans,
 * so a per-second rule after a month off costs about `max` steps, not millions.
 */
export function firingsBetween(
  cron: string,
  timezone: string,
  after: Date,
  until: Date,
  max = MAX_CATCH_UP_PER_RULE,
): Date[] {
  // Nothing missed, the usual answer (the rule fired when due): one remembered step instead
  // of the search below, which cost a fleet's API a second of its event loop per pass.
  const first = firstFiringAfter(cron, timezone, after);
  if (first === null || first > until.getTime()) return [];
  for (let span = 2 * 60_000; ; span *= 4) {
    const from = new Date(Math.max(after.getTime(), until.getTime() - span));
    const out: Date[] = [];
    for (
      let t = nextFiring(cron, timezone, from);
      t && t <= until;
      t = nextFiring(cron, timezone, t)
    ) {
      out.push(t);
    }
    if (out.length >= max || from.getTime() <= after.getTime()) return out.slice(-max);
  }
}

/**
 * `nextFiring` remembered: central's catch-up pass asks every rule, every 30 s, for its first
 * firing after the same instant (its last firing) until it fires again. Bounded, by starting
 * over: the answers are cheap to find again.
 */
const firstAfter = new Map<string, number | null>();
const FIRST_AFTER_ENTRIES = 20_000;

function firstFiringAfter(cron: string, timeZone: string, after: Date): number | null {
  const key = `${cron}\u0000${timeZone}\u0000${after.getTime()}`;
  let first = firstAfter.get(key);
  if (first === undefined) {
    if (firstAfter.size >= FIRST_AFTER_ENTRIES) firstAfter.clear();
    first = nextFiring(cron, timeZone, after)?.getTime() ?? null;
    firstAfter.set(key, first);
  }
  return first;
}
