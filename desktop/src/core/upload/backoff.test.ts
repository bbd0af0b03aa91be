import { describe, expect, it } from 'vitest';
import { fullJitterDelayMs } from './backoff.ts';

describe('full-jitter backoff', () => {
  it('doubles the ceiling after each failure up to the maximum', () => {
    const top = () => 0.999999;
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 20, 2000].map((n) =>
      fullJitterDelayMs(n, 5_000, 900_000, top),
    );
    expect(ceilings.map((c) => Math.round(c / 1000))).toEqual([
      5, 10, 20, 40, 80, 160, 320, 640, 900, 900,
    ]);
  });

  it('draws the delay anywhere between zero and the ceiling', () => {
    expect(fullJitterDelayMs(3, 5_000, 900_000, () => 0)).toBe(0);
    expect(fullJitterDelayMs(3, 5_000, 900_000, () => 0.5)).toBe(10_000);
  });

  it('waits nothing before the first failure', () => {
    expect(fullJitterDelayMs(0, 5_000, 900_000, () => 0.9)).toBe(0);
  });
});
