import { describe, expect, it } from 'vitest';
import { count, plural } from './plural.ts';

describe('plural', () => {
  it('picks the form by the language: one only for exactly 1 in English and Italian', () => {
    const drops = { one: 'drop', other: 'drops' };
    expect([0, 1, 2, 1.5].map((n) => plural('en', n, drops))).toEqual([
      '0 drops',
      '1 drop',
      '2 drops',
      '1.5 drops',
    ]);
    const file = { one: 'giostra', other: 'giostre' };
    expect([0, 1, 2].map((n) => plural('it', n, file))).toEqual([
      '0 giostre',
      '1 giostra',
      '2 giostre',
    ]);
  });

  it('groups digits as the language does', () => {
    expect(plural('en', 1234, { one: 'cycle', other: 'cycles' })).toBe('1,234 cycles');
    expect(plural('it', 12345, { one: 'ciclo', other: 'cicli' })).toBe('12.345 cicli');
  });

  it('has an English shorthand with irregular plurals', () => {
    expect(count(1, 'ride')).toBe('1 ride');
    expect(count(2, 'ride')).toBe('2 rides');
    expect(count(2, 'entry', 'entries')).toBe('2 entries');
  });
});
