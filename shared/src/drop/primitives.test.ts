import { describe, expect, it } from 'vitest';
import { isIanaTimeZone } from './primitives.ts';

describe('isIanaTimeZone', () => {
  it('gives the same answer the second time a name is asked (valid names are remembered)', () => {
    for (let round = 0; round < 2; round++) {
      expect(isIanaTimeZone('Europe/Rome')).toBe(true);
      expect(isIanaTimeZone('Asia/Kathmandu')).toBe(true);
      expect(isIanaTimeZone('Mars/Olympus_Mons')).toBe(false);
      expect(isIanaTimeZone('+01:00')).toBe(false);
    }
  });

  it('still answers for new names once the remembered set is full', () => {
    // Intl takes any capitalisation of a name, so a hostile sender can make up many valid
    // spellings: past the bound they are checked every time, not remembered.
    const letters = [...'americanewyork'];
    const spellings = Array.from({ length: 2100 }, (_, i) => {
      const word = letters.map((ch, j) => ((i >> j) & 1 ? ch.toUpperCase() : ch)).join('');
      return `${word.slice(0, 7)}/${word.slice(7, 10)}_${word.slice(10)}`;
    });
    expect(new Set(spellings).size).toBe(2100);
    for (const name of spellings) expect(isIanaTimeZone(name)).toBe(true);
    expect(isIanaTimeZone('Pacific/Chatham')).toBe(true);
    expect(isIanaTimeZone('Nowhere/Atlantis')).toBe(false);
  });
});
