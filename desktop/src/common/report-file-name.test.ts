import { describe, expect, it } from 'vitest';
import { reportDays, reportFileName } from './report-file-name.ts';

describe('report file names', () => {
  it('name the park-local days the PDF shows, whatever the UTC dates', () => {
    // 2 Dec in Rome runs from 23:00 UTC on 1 Dec: a UTC formatter said "Dec 1 – Dec 2".
    const day = { start: '2026-12-01T23:00:00Z', end: '2026-12-02T23:00:00Z' };
    expect(reportDays(day, 'Europe/Rome')).toEqual({ first: '2026-12-02', last: '2026-12-02' });
    expect(reportFileName({ park: 'lago', ride: 'thunder-loop', period: day }, 'Europe/Rome')).toBe(
      'lago_thunder-loop_2026-12-02.pdf',
    );
    const month = { start: '2026-10-31T23:00:00Z', end: '2026-11-30T23:00:00Z' };
    expect(reportFileName({ park: 'lago', ride: null, period: month }, 'Europe/Rome')).toBe(
      'lago_whole-park_2026-11-01_to_2026-11-30.pdf',
    );
  });
});
