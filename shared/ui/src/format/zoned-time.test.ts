import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayLabel,
  localDate,
  periodLabel,
  when,
  whenZoned,
  zoneNote,
} from './zoned-time.ts';

describe('times in a named zone', () => {
  it("shows an instant on the park's clock with the year, whatever the machine's zone", () => {
    // 23:30 UTC on 1 Dec is already 2 Dec in Rome and still 1 Dec in New York.
    const iso = '2026-12-01T23:30:00Z';
    expect(when(iso, 'Europe/Rome')).toBe('2 Dec 2026, 00:30');
    expect(when(iso, 'America/New_York')).toBe('1 Dec 2026, 18:30');
    expect(when(null, 'Europe/Rome')).toBe('—');
  });

  it('adds the short zone name where parks are mixed', () => {
    expect(whenZoned('2026-12-01T23:30:00Z', 'Europe/Rome')).toBe('2 Dec 2026, 00:30 CET');
    expect(whenZoned('2026-07-01T10:00:00Z', 'Europe/Rome')).toBe('1 Jul 2026, 12:00 CEST');
  });

  it('knows the local date and counts calendar days', () => {
    expect(localDate(Date.parse('2026-12-01T23:30:00Z'), 'Europe/Rome')).toBe('2026-12-02');
    expect(localDate(Date.parse('2026-12-01T23:30:00Z'), 'America/New_York')).toBe('2026-12-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(dayLabel('2026-12-02')).toBe('2 Dec 2026');
    expect(dayLabel('2026-12-02', false)).toBe('2 Dec');
    expect(zoneNote('Europe/Rome')).toBe("Times are Europe/Rome time (the park's).");
  });

  it('names a period of whole park-local days by its days, and any other period by its instants', () => {
    // 2 Dec in Rome is 23:00 UTC on 1 Dec to 23:00 UTC on 2 Dec.
    const day = { start: '2026-12-01T23:00:00Z', end: '2026-12-02T23:00:00Z' };
    expect(periodLabel(day, 'Europe/Rome')).toBe('2 Dec 2026');
    // The same instants in New York are 18:00 to 18:00: not whole days there.
    expect(periodLabel(day, 'America/New_York')).toBe('1 Dec 2026, 18:00 – 2 Dec 2026, 18:00');
    // A month across Lord Howe's October change (+10:30 to +11: a day of 23½ hours).
    expect(
      periodLabel(
        { start: '2026-09-30T13:30:00Z', end: '2026-10-31T13:00:00Z' },
        'Australia/Lord_Howe',
      ),
    ).toBe('1 Oct 2026 – 31 Oct 2026');
    // Kolkata's midnight is 18:30 UTC.
    expect(
      periodLabel({ start: '2026-12-01T18:30:00Z', end: '2026-12-03T18:30:00Z' }, 'Asia/Kolkata'),
    ).toBe('2 Dec 2026 – 3 Dec 2026');
  });
});
