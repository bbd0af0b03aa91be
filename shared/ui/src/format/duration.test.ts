import { describe, expect, it } from 'vitest';
import { ago, duration, percent } from './duration.ts';

describe('duration, ago, percent', () => {
  it('reads durations in the largest units that read well', () => {
    expect(
      [0, 42, 60, 299, 3600, 3600 + 600, 47 * 3600, 49 * 3600, 72 * 3600].map(duration),
    ).toEqual(['0 s', '42 s', '1 min', '4 min', '1 h', '1 h 10 min', '47 h', '2 d 1 h', '3 d']);
    expect(duration(null)).toBe('—');
  });

  it('says how long ago, and future instants as such', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    expect(ago('2026-12-02T11:55:00Z', now)).toBe('5 min ago');
    expect(ago('2026-12-02T11:59:55Z', now)).toBe('just now');
    expect(ago('2026-12-02T12:10:00Z', now)).toBe('in 10 min');
    expect(ago(null, now)).toBe('never');
  });

  it('gives percentages with one decimal and a dash without data', () => {
    expect(percent(0.98765)).toBe('98.8 %');
    expect(percent(1)).toBe('100.0 %');
    expect(percent(null)).toBe('—');
  });
});
