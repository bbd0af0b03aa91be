import { describe, expect, it } from 'vitest';
import { localParts, localToUtc } from './local-time.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace(':00.000Z', 'Z');

/**
 * The oracle: the wall clock of a zone read with a formatter of its own (not local-time.ts),
 * as minutes on a UTC time line, so wall times compare as numbers.
 */
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

interface Scan {
  /** Every UTC minute from 15 h before the date's 00:00 (read as UTC) to 15 h after its end. */
  instants: number[];
  /** The wall minute each of them shows. */
  walls: number[];
  /** Running maximum of `walls`: the latest wall time shown so far. */
  shownSoFar: number[];
}

function scanAround(timeZone: string, date: string): Scan {
  const wallOf = wallMinuteReader(timeZone);
  const midnight = Date.parse(`${date}T00:00:00Z`);
  const scan: Scan = { instants: [], walls: [], shownSoFar: [] };
  let max = -Infinity;
  for (let t = midnight - 15 * HOUR_MS; t <= midnight + 39 * HOUR_MS; t += MINUTE_MS) {
    const w = wallOf(t);
    max = Math.max(max, w);
    scan.instants.push(t);
    scan.walls.push(w);
    scan.shownSoFar.push(max);
  }
  return scan;
}

/** R6 by scanning: the first scanned instant whose clock shows `wall` or a later time. */
function firstShowingAtLeast(scan: Scan, wall: number): number {
  let lo = 0;
  let hi = scan.shownSoFar.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((scan.shownSoFar[mid] as number) >= wall) hi = mid;
    else lo = mid + 1;
  }
  return scan.instants[lo] as number;
}

/**
 * The local dates around each 2026 change, in zones that change at 02:00/03:00 (Rome, New
 * York), by 30 minutes at a +10:30 offset (Lord Howe), at midnight (Santiago, Beirut: their
 * repeated hour is the last of the day before), and one without DST (Kolkata, +05:30).
 */
const CHANGE_DAYS: Record<string, string[]> = {
  'Europe/Rome': ['2026-03-29', '2026-10-25'],
  'America/New_York': ['2026-03-08', '2026-11-01'],
  'Australia/Lord_Howe': ['2026-04-05', '2026-10-04'],
  'America/Santiago': ['2026-04-04', '2026-04-05', '2026-09-05', '2026-09-06'],
  'Asia/Beirut': ['2026-03-28', '2026-03-29', '2026-10-24', '2026-10-25'],
  'Asia/Kolkata': ['2026-03-29', '2026-10-25'],
};

describe('localToUtc (R6: the first instant the clock shows that time or a later one)', () => {
  it('resolves the autumn hour before the repeated one without shifting it (issue 14.5)', () => {
    // Rome goes from +02:00 to +01:00 at 03:00 CEST (01:00Z) on 2026-10-25.
    const rome = (h: number, m: number) => iso(localToUtc('Europe/Rome', 2026, 10, 25, h, m));
    expect(rome(0, 30)).toBe('2026-10-24T22:30Z');
    expect(rome(1, 0)).toBe('2026-10-24T23:00Z');
    expect(rome(1, 30)).toBe('2026-10-24T23:30Z');
    expect(rome(1, 59)).toBe('2026-10-24T23:59Z');
    // 02:00-02:59 is shown twice (CEST, then CET): the first occurrence.
    expect(rome(2, 30)).toBe('2026-10-25T00:30Z');
    expect(rome(3, 0)).toBe('2026-10-25T02:00Z');
  });

  it('resolves a skipped time to the end of the gap', () => {
    expect(iso(localToUtc('Europe/Rome', 2026, 3, 29, 2, 30))).toBe('2026-03-29T01:00Z');
    expect(iso(localToUtc('Europe/Rome', 2026, 3, 29, 2, 0))).toBe('2026-03-29T01:00Z');
    expect(iso(localToUtc('Europe/Rome', 2026, 3, 29, 3, 0))).toBe('2026-03-29T01:00Z');
    expect(iso(localToUtc('Europe/Rome', 2026, 3, 29, 2, 59, 59))).toBe('2026-03-29T01:00Z');
    // Lord Howe skips 02:00-02:29 (+10:30 -> +11:00); the gap ends at 02:30 = 15:30Z.
    expect(iso(localToUtc('Australia/Lord_Howe', 2026, 10, 4, 2, 15))).toBe('2026-10-03T15:30Z');
    // Lord Howe repeats 01:30-01:59 on 2026-04-05: the first one is at +11:00.
    expect(iso(localToUtc('Australia/Lord_Howe', 2026, 4, 5, 1, 45))).toBe('2026-04-04T14:45Z');
  });

  it('starts a day whose midnight is skipped at 01:00', () => {
    const santiago = localToUtc('America/Santiago', 2026, 9, 6);
    expect(iso(santiago)).toBe('2026-09-06T04:00Z');
    expect(localParts(santiago, 'America/Santiago')).toMatchObject({ day: 6, hour: 1, minute: 0 });
    const beirut = localToUtc('Asia/Beirut', 2026, 3, 29);
    expect(localParts(beirut, 'Asia/Beirut')).toMatchObject({ day: 29, hour: 1, minute: 0 });
  });

  it('rolls hour 24 and day 0 over like Date.UTC, to the next or previous date', () => {
    expect(localToUtc('Europe/Rome', 2026, 10, 25, 24)).toBe(
      localToUtc('Europe/Rome', 2026, 10, 26),
    );
    expect(localToUtc('Europe/Rome', 2026, 4, 0)).toBe(localToUtc('Europe/Rome', 2026, 3, 31));
  });

  for (const [zone, dates] of Object.entries(CHANGE_DAYS)) {
    it(`agrees with a minute-by-minute scan for every wall time of the change days in ${zone}`, () => {
      let skipped = 0;
      let repeated = 0;
      for (const date of dates) {
        const [y, m, d] = date.split('-').map(Number) as [number, number, number];
        const scan = scanAround(zone, date);
        const dayStart = Date.parse(`${date}T00:00:00Z`) / MINUTE_MS;
        let previous = -Infinity;
        // 00:00 to 24:00 (the next day's 00:00) in minutes.
        for (let minute = 0; minute <= 24 * 60; minute++) {
          const wall = dayStart + minute;
          const got = localToUtc(zone, y, m, d, Math.floor(minute / 60), minute % 60);
          const at = `${zone} ${date} +${minute} min`;
          expect(iso(got), at).toBe(iso(firstShowingAtLeast(scan, wall)));
          expect(got, `${at}: monotonic`).toBeGreaterThanOrEqual(previous);
          previous = got;
          const shownAt = scan.instants.filter((_, i) => scan.walls[i] === wall);
          const gotWall = scan.walls[scan.instants.indexOf(got)] as number;
          if (shownAt.length > 0) {
            // A time the clock shows: that time, at its first occurrence.
            expect(gotWall, at).toBe(wall);
            expect(got, `${at}: first occurrence`).toBe(shownAt[0]);
            if (shownAt.length > 1) repeated++;
          } else {
            // A skipped time: the gap's end, the first wall time after it that is shown.
            skipped++;
            const firstLater = Math.min(...scan.walls.filter((w) => w > wall));
            expect(gotWall, `${at}: gap end`).toBe(firstLater);
          }
        }
      }
      if (zone === 'Asia/Kolkata') {
        expect([skipped, repeated]).toEqual([0, 0]);
      } else {
        // The dates really hold a change: some wall times are skipped, some repeated.
        expect(skipped, `${zone}: skipped wall times`).toBeGreaterThan(0);
        expect(repeated, `${zone}: repeated wall times`).toBeGreaterThan(0);
      }
    });
  }
});
