import { describe, expect, it } from 'vitest';
import { bytes } from './bytes.ts';

describe('bytes', () => {
  it('uses IEC binary units throughout', () => {
    expect(bytes(0)).toBe('0 B');
    expect(bytes(1023)).toBe('1023 B');
    expect(bytes(1024)).toBe('1.0 KiB');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(10 * 1024 ** 2)).toBe('10 MiB');
    expect(bytes(3_000_000)).toBe('2.9 MiB');
    expect(bytes(10_000_000_000)).toBe('9.3 GiB');
    expect(bytes(5 * 1024 ** 4)).toBe('5.0 TiB');
  });

  it('never prints 1024 of a unit, and a dash for nothing', () => {
    expect(bytes(1024 * 1024 - 1)).toBe('1.0 MiB');
    expect(bytes(null)).toBe('—');
    expect(bytes(undefined)).toBe('—');
  });
});
