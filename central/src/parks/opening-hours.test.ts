import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { openingHoursSchema, resolveOpeningDays } from './opening-hours.ts';
import { createPark, openingHoursOf, ParkNotFoundError, setOpeningHours } from './park-store.ts';

const iso = (d: Date | null): string | null => d && d.toISOString().replace('.000Z', 'Z');

describe('opening hours', () => {
  it('refuses a close not after open, a bad time, and an unknown weekday', () => {
    expect(openingHoursSchema.safeParse({ open: '09:00', close: '19:00' }).success).toBe(true);
    expect(openingHoursSchema.safeParse({ open: '10:00', close: '24:00' }).success).toBe(true);
    const refused = [
      { open: '19:00', close: '09:00' },
      { open: '09:00', close: '09:00' },
      { open: '9:00', close: '19:00' },
      { open: '09:00', close: '25:00' },
      { open: '09:00', close: '19:00', days: { mon: { open: '12:00', close: '11:00' } } },
      { open: '09:00', close: '19:00', days: { holiday: null } },
    ];
    for (const hours of refused) {
      const r = openingHoursSchema.safeParse(hours);
      expect(r.success, JSON.stringify(hours)).toBe(false);
    }
    expect(
      openingHoursSchema.safeParse({ open: '19:00', close: '09:00' }).error?.issues[0]?.message,
    ).toMatch(/close must be after open/);
  });

  it('resolves wall-clock hours to UTC per day across the spring DST change, with weekday overrides', () => {
    // Europe/Rome moves from +01:00 to +02:00 on Sunday 2026-03-29.
    const days = resolveOpeningDays(
      {
        open: '09:00',
        close: '19:00',
        days: { sun: { open: '10:00', close: '18:00' }, mon: null },
      },
      'Europe/Rome',
      new Date('2026-03-27T23:00:00Z'),
      new Date('2026-03-30T22:00:00Z'),
    );
    expect(days.map((d) => [d.date, iso(d.open), iso(d.close)])).toEqual([
      ['2026-03-28', '2026-03-28T08:00:00Z', '2026-03-28T18:00:00Z'],
      ['2026-03-29', '2026-03-29T08:00:00Z', '2026-03-29T16:00:00Z'],
      ['2026-03-30', null, null],
    ]);
  });

  it('resolves 24:00 to the next midnight and covers the autumn DST day', () => {
    // 2026-10-25 has 25 hours in Rome: +02:00 until 03:00, then +01:00.
    const [day] = resolveOpeningDays(
      { open: '00:00', close: '24:00' },
      'Europe/Rome',
      new Date('2026-10-24T22:00:00Z'),
      new Date('2026-10-25T23:00:00Z'),
    );
    expect([day?.date, iso(day?.open ?? null), iso(day?.close ?? null)]).toEqual([
      '2026-10-25',
      '2026-10-24T22:00:00Z',
      '2026-10-25T23:00:00Z',
    ]);
  });
});

describe('opening hours on DST days (R6)', () => {
  const day = (tz: string, hours: { open: string; close: string }, date: string) => {
    // The whole park-local date, wide enough on both sides; only `date` is kept.
    const [d] = resolveOpeningDays(
      hours,
      tz,
      new Date(Date.parse(`${date}T00:00:00Z`) - 14 * 3_600_000),
      new Date(Date.parse(`${date}T00:00:00Z`) + 38 * 3_600_000),
    ).filter((x) => x.date === date);
    return [iso(d?.open ?? null), iso(d?.close ?? null)];
  };

  it('opens at the end of the spring gap when the hours start inside it (issue 14.5)', () => {
    // 02:30 is skipped on 2026-03-29 in Rome: opening starts at 03:00 CEST = 01:00Z.
    const hours = { open: '02:30', close: '03:30' };
    expect(day('Europe/Rome', hours, '2026-03-29')).toEqual([
      '2026-03-29T01:00:00Z',
      '2026-03-29T01:30:00Z',
    ]);
    // 02:30 is shown twice on 2026-10-25: from its first occurrence (CEST) to 03:30 CET.
    expect(day('Europe/Rome', hours, '2026-10-25')).toEqual([
      '2026-10-25T00:30:00Z',
      '2026-10-25T02:30:00Z',
    ]);
    // The hour before the repeated one keeps its offset (it came out an hour late).
    expect(day('Europe/Rome', { open: '01:00', close: '01:45' }, '2026-10-25')).toEqual([
      '2026-10-24T23:00:00Z',
      '2026-10-24T23:45:00Z',
    ]);
  });

  it('gives hours that lie wholly in the gap no opening: open equals close', () => {
    expect(day('Europe/Rome', { open: '02:00', close: '03:00' }, '2026-03-29')).toEqual([
      '2026-03-29T01:00:00Z',
      '2026-03-29T01:00:00Z',
    ]);
    // Lord Howe skips 02:00-02:29 (+10:30 -> +11:00) on 2026-10-04.
    expect(day('Australia/Lord_Howe', { open: '02:00', close: '02:30' }, '2026-10-04')).toEqual([
      '2026-10-03T15:30:00Z',
      '2026-10-03T15:30:00Z',
    ]);
  });

  it('starts a whole-day opening at 01:00 where midnight is skipped, and ends it at the next', () => {
    const allDay = { open: '00:00', close: '24:00' };
    // Santiago: 00:00 -> 01:00 on 2026-09-06, a 23-hour day.
    expect(day('America/Santiago', allDay, '2026-09-06')).toEqual([
      '2026-09-06T04:00:00Z',
      '2026-09-07T03:00:00Z',
    ]);
    // Its autumn day before (2026-04-04) repeats 23:00-23:59: 25 hours.
    expect(day('America/Santiago', allDay, '2026-04-04')).toEqual([
      '2026-04-04T03:00:00Z',
      '2026-04-05T04:00:00Z',
    ]);
    // Lord Howe's 24.5- and 23.5-hour days.
    expect(day('Australia/Lord_Howe', allDay, '2026-04-05')).toEqual([
      '2026-04-04T13:00:00Z',
      '2026-04-05T13:30:00Z',
    ]);
    expect(day('Australia/Lord_Howe', allDay, '2026-10-04')).toEqual([
      '2026-10-03T13:30:00Z',
      '2026-10-04T13:00:00Z',
    ]);
  });

  it('keeps every opening within its day and never reversed, for any hours on the change days', () => {
    const zones: Record<string, string[]> = {
      'Europe/Rome': ['2026-03-29', '2026-10-25'],
      'America/New_York': ['2026-03-08', '2026-11-01'],
      'Australia/Lord_Howe': ['2026-04-05', '2026-10-04'],
      'America/Santiago': ['2026-04-04', '2026-09-06'],
      'Asia/Beirut': ['2026-03-29', '2026-10-24'],
    };
    const hhmm = (min: number) =>
      `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
    for (const [tz, dates] of Object.entries(zones)) {
      for (const date of dates) {
        const [start, end] = day(tz, { open: '00:00', close: '24:00' }, date).map((x) =>
          Date.parse(x as string),
        ) as [number, number];
        for (let open = 0; open < 24 * 60; open += 30) {
          for (let close = open + 30; close <= 24 * 60; close += 30) {
            const [o, c] = day(tz, { open: hhmm(open), close: hhmm(close) }, date).map((x) =>
              Date.parse(x as string),
            ) as [number, number];
            const at = `${tz} ${date} ${hhmm(open)}-${hhmm(close)}`;
            expect(start <= o && o <= c && c <= end, at).toBe(true);
          }
        }
      }
    }
  });
});

describe('opening hours in the park store', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await createTestEnvironment('opening_hours');
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('stores the hours given at creation, defaults to 09:00-19:00, and replaces them', async () => {
    await createPark(env.pool, {
      id: 'late',
      name: 'Late',
      timezone: 'Europe/Rome',
      openingHours: { open: '14:00', close: '24:00', days: { tue: null } },
    });
    await createPark(env.pool, { id: 'plain', name: 'Plain', timezone: 'Europe/Rome' });
    expect(await openingHoursOf(env.pool, 'late')).toEqual({
      open: '14:00',
      close: '24:00',
      days: { tue: null },
    });
    expect(await openingHoursOf(env.pool, 'plain')).toEqual({ open: '09:00', close: '19:00' });

    await setOpeningHours(env.pool, 'plain', { open: '10:00', close: '17:30' });
    expect(await openingHoursOf(env.pool, 'plain')).toEqual({ open: '10:00', close: '17:30' });
    await expect(
      setOpeningHours(env.pool, 'plain', { open: '18:00', close: '17:30' }),
    ).rejects.toThrow(/close must be after open/);
    await expect(
      setOpeningHours(env.pool, 'nowhere', { open: '10:00', close: '17:30' }),
    ).rejects.toBeInstanceOf(ParkNotFoundError);
    await expect(
      createPark(env.pool, {
        id: 'bad',
        name: 'Bad',
        timezone: 'Europe/Rome',
        openingHours: { open: '19:00', close: '09:00' },
      }),
    ).rejects.toThrow(/close must be after open/);
  });

  it('gives existing parks 09:00-19:00 through the migration default', async () => {
    await env.pool.query(
      "INSERT INTO parks (id, name, timezone) VALUES ('old', 'Old', 'Europe/Rome')",
    );
    expect(await openingHoursOf(env.pool, 'old')).toEqual({ open: '09:00', close: '19:00' });
  });
});
