import { describe, expect, it } from 'vitest';
import { mapInSlices } from './map-in-slices.ts';

describe('mapInSlices', () => {
  it('maps every item in order, with its index', async () => {
    const items = Array.from({ length: 230 }, (_, i) => i * 2);
    expect(await mapInSlices(items, (x, i) => `${i}:${x}`, 50)).toEqual(
      items.map((x, i) => `${i}:${x}`),
    );
    expect(await mapInSlices([], (x: number) => x)).toEqual([]);
  });

  it('lets other work run between slices, never inside one', async () => {
    const log: string[] = [];
    const timer = setInterval(() => log.push('other'), 0);
    // Each item takes ≥ 2 ms, so the timer is due before every slice ends.
    const busy = (i: number) => {
      const end = performance.now() + 2;
      while (performance.now() < end);
      log.push(`item ${i}`);
      return i;
    };
    await mapInSlices(
      Array.from({ length: 12 }, (_, i) => i),
      (x) => busy(x),
      4,
    );
    clearInterval(timer);
    const items = log.map((entry, at) => ({ entry, at })).filter((e) => e.entry !== 'other');
    // Slices of four: nothing else between items of one slice, something between slices.
    for (const [k, e] of items.entries()) {
      const next = items[k + 1];
      if (!next) break;
      const between = next.at - e.at - 1;
      if (k % 4 === 3) expect(between).toBeGreaterThan(0);
      else expect(between).toBe(0);
    }
  });
});
