import { describe, expect, it } from 'vitest';
import { firingsBetween, nextFiring } from './cron-firings.ts';

const MINUTE_MS = 60_000;
const iso = (d: Date): string => d.toISOString().replace(':00.000Z', 'Z');

/** The wall clock of a zone, read with a formatter of its own, as minutes on a UTC time line. */
function wallMinuteReader(timeZone: string): (utcMs: number) => number {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  return (utcMs) => {
    const parts = f.formatToParts(utcMs);
    const n = (type: string) => Number(parts.find((x) => x.type === type)?.value);
    return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute')) / MINUTE_MS;
  };
}

/**
 * The oracle, by scanning every UTC minute of [from, to): a rule's wall time `w` (a minute of a
 * local date whose day, month and weekday match) fires at the first scanned instant whose clock
 * shows `w` or later (R6); instants are listed once. Only for expressions firing at second 0.
 */
function scannedFirings(
  timeZone: string,
  from: string,
  to: string,
  matches: (wall: Date) => boolean,
): string[] {
  const wallOf = wallMinuteReader(timeZone);
  const instants: number[] = [];
  const shownSoFar: number[] = [];
  let max = -Infinity;
  for (
    let t = Date.parse(from) - 15 * 3_600_000;
    t < Date.parse(to) + 15 * 3_600_000;
    t += MINUTE_MS
  ) {
    max = Math.max(max, wallOf(t));
    instants.push(t);
    shownSoFar.push(max);
  }
  const firings = new Set<number>();
  const firstWall = shownSoFar[0] as number;
  const lastWall = shownSoFar[shownSoFar.length - 1] as number;
  let i = 0;
  for (let wall = firstWall + 1; wall <= lastWall; wall++) {
    if (!matches(new Date(wall * MINUTE_MS))) continue;
    while ((shownSoFar[i] as number) < wall) i++;
    const t = instants[i] as number;
    if (t > Date.parse(from) && t <= Date.parse(to)) firings.add(t);
  }
  return [...firings].sort((a, b) => a - b).map((t) => iso(new Date(t)));
}

/** Field tests on a wall time held as a UTC Date (its getUTC* fields are the wall fields). */
const at = (h: number, m: number) => (w: Date) => w.getUTCHours() === h && w.getUTCMinutes() === m;

const CASES: [string, string, string, string, (w: Date) => boolean][] = [
  // [cron, zone, from, to, the same rule as a test on wall fields]
  ['0 0 * * *', 'America/Santiago', '2026-09-03T00:00:00Z', '2026-09-09T00:00:00Z', at(0, 0)],
  ['0 0 * * *', 'America/Santiago', '2026-04-02T00:00:00Z', '2026-04-08T00:00:00Z', at(0, 0)],
  ['0 0 * * *', 'Asia/Beirut', '2026-03-26T00:00:00Z', '2026-04-01T00:00:00Z', at(0, 0)],
  ['30 2 * * *', 'Europe/Rome', '2026-03-26T00:00:00Z', '2026-04-01T00:00:00Z', at(2, 30)],
  ['30 2 * * *', 'Europe/Rome', '2026-10-22T00:00:00Z', '2026-10-28T00:00:00Z', at(2, 30)],
  [
    '*/15 1-3 * * *',
    'Europe/Rome',
    '2026-10-24T00:00:00Z',
    '2026-10-26T00:00:00Z',
    (w) => w.getUTCHours() >= 1 && w.getUTCHours() <= 3 && w.getUTCMinutes() % 15 === 0,
  ],
  [
    '*/10 2 * * *',
    'Australia/Lord_Howe',
    '2026-10-02T00:00:00Z',
    '2026-10-06T00:00:00Z',
    (w) => w.getUTCHours() === 2 && w.getUTCMinutes() % 10 === 0,
  ],
  [
    '45 1 * * 0',
    'Australia/Lord_Howe',
    '2026-03-30T00:00:00Z',
    '2026-04-14T00:00:00Z',
    (w) => at(1, 45)(w) && w.getUTCDay() === 0,
  ],
  [
    '0 6 1 * *',
    'America/New_York',
    '2026-02-15T00:00:00Z',
    '2026-04-15T00:00:00Z',
    (w) => at(6, 0)(w) && w.getUTCDate() === 1,
  ],
];

describe('report rule firings (R6)', () => {
  it('fires a daily midnight rule at 01:00 where midnight is skipped (node-cron skipped the day)', () => {
    const firings = firingsBetween(
      '0 0 * * *',
      'America/Santiago',
      new Date('2026-09-04T12:00:00Z'),
      new Date('2026-09-08T12:00:00Z'),
    );
    expect(firings.map(iso)).toEqual([
      '2026-09-05T04:00Z',
      '2026-09-06T04:00Z', // 01:00 -03:00: the day's first instant
      '2026-09-07T03:00Z',
      '2026-09-08T03:00Z',
    ]);
  });

  it('fires a rule in the spring gap once at its end, and one in the repeated hour once', () => {
    expect(
      iso(nextFiring('30 2 * * *', 'Europe/Rome', new Date('2026-03-28T12:00:00Z')) as Date),
    ).toBe('2026-03-29T01:00Z');
    const autumn = firingsBetween(
      '30 2 * * *',
      'Europe/Rome',
      new Date('2026-10-24T12:00:00Z'),
      new Date('2026-10-26T12:00:00Z'),
    );
    expect(autumn.map(iso)).toEqual(['2026-10-25T00:30Z', '2026-10-26T01:30Z']);
  });

  for (const [cron, zone, from, to, matches] of CASES) {
    it(`agrees with a minute-by-minute scan: '${cron}' in ${zone} from ${from.slice(0, 10)}`, () => {
      const got = firingsBetween(cron, zone, new Date(from), new Date(to), 10_000).map(iso);
      expect(got).toEqual(scannedFirings(zone, from, to, matches));
      expect(got.length).toBeGreaterThan(0);
    });
  }

  it('counts a firing exactly at the end of the range, and none just before the next', () => {
    // A daily 06:00 rule in Rome (05:00Z in winter) that last fired on the 5th.
    const last = new Date('2026-12-05T05:00:00Z');
    const due = new Date('2026-12-06T05:00:00Z');
    const justBefore = new Date(due.getTime() - 1000);
    // Asked twice, as the catch-up pass does every reload until the rule fires again.
    expect(firingsBetween('0 6 * * *', 'Europe/Rome', last, justBefore)).toEqual([]);
    expect(firingsBetween('0 6 * * *', 'Europe/Rome', last, justBefore)).toEqual([]);
    expect(firingsBetween('0 6 * * *', 'Europe/Rome', last, due)).toEqual([due]);
    expect(firingsBetween('0 6 * * *', 'Europe/Rome', due, due)).toEqual([]);
  });

  it('makes up only the latest firings of a per-second rule after a month off', () => {
    const until = new Date('2026-03-29T01:00:30Z');
    const firings = firingsBetween(
      '* * * * * *',
      'Europe/Rome',
      new Date('2026-02-27T00:00:00Z'),
      until,
      100,
    );
    expect(firings).toHaveLength(100);
    expect(firings.at(-1)).toEqual(until);
    expect(firings[0]).toEqual(new Date(until.getTime() - 99_000));
  });

  it('says never for a date that does not exist', () => {
    expect(nextFiring('0 0 30 2 *', 'Europe/Rome', new Date('2026-01-01T00:00:00Z'))).toBeNull();
  });
});
