import { describe, expect, it } from 'vitest';
import { localToUtc } from '../time/local-time.ts';
import { demandAt, planWindows } from './park-plan.ts';

const ROME = 'Europe/Rome';

describe('planWindows', () => {
  it.each([
    ['2026-03-29', 23, '2026-03-28T23:00:00.000Z'],
    ['2026-06-06', 24, '2026-06-05T22:00:00.000Z'],
    ['2026-10-25', 25, '2026-10-24T22:00:00.000Z'],
  ])('makes one window per UTC hour of the local day %s (%i windows)', (date, count, first) => {
    const windows = planWindows({ fromDate: date, hours: 24, timeZone: ROME });
    expect(windows).toHaveLength(count);
    expect(new Date(windows[0]?.start ?? 0).toISOString()).toBe(first);
    expect(windows.every((w) => w.end - w.start === 3_600_000)).toBe(true);
  });

  it('powers rides from 09:00 to 23:00 local time, also on the DST day', () => {
    for (const date of ['2026-03-29', '2026-06-06', '2026-10-25']) {
      const powered = planWindows({ fromDate: date, hours: 24, timeZone: ROME })
        .filter((w) => w.powered)
        .map((w) => w.localHour);
      expect(powered).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22]);
    }
  });

  it('covers several days when hours span them', () => {
    expect(planWindows({ fromDate: '2026-06-06', hours: 72, timeZone: ROME })).toHaveLength(72);
  });
});

describe('localToUtc', () => {
  it('resolves a wall time skipped by the spring DST change to the end of the gap (R6)', () => {
    expect(new Date(localToUtc(ROME, 2026, 3, 29, 2, 30)).toISOString()).toBe(
      '2026-03-29T01:00:00.000Z',
    );
  });

  it('uses the zone database rather than fixed offsets', () => {
    expect(new Date(localToUtc('Asia/Kolkata', 2026, 6, 6)).toISOString()).toBe(
      '2026-06-05T18:30:00.000Z',
    );
    expect(new Date(localToUtc('America/New_York', 2026, 1, 6, 10)).toISOString()).toBe(
      '2026-01-06T15:00:00.000Z',
    );
  });
});

describe('demandAt', () => {
  it('is zero while closed, low in the morning and highest in the afternoon', () => {
    const at = (h: number) => demandAt(localToUtc(ROME, 2026, 6, 6, h), ROME);
    expect(at(8)).toBe(0);
    expect(at(23)).toBe(0);
    expect(at(10)).toBeLessThan(at(15) / 2);
    expect(at(15)).toBe(1);
  });
});
