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
