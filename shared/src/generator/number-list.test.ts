import { describe, expect, it } from 'vitest';
import { writeNumberList } from './number-list.ts';

describe('writeNumberList', () => {
  it('writes the same text as rounding and String() would, with null for NaN', () => {
    const values = [0, -0, -0.004, 1.005, 12.05, -1.25, 99.999, 123456.789, Number.NaN, 0.1, 3];
    for (let i = 0; i < 2000; i++) values.push((Math.sin(i) * 10 ** (i % 6)) / 7);
    for (const decimals of [0, 1, 2, 3]) {
      const f = 10 ** decimals;
      const expected = values
        .map((v) => (Number.isNaN(v) ? 'null' : String(Math.round(v * f) / f)))
        .join(',');
      expect(writeNumberList(Float64Array.from(values), decimals).toString('utf8')).toBe(expected);
    }
  });
});
