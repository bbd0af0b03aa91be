import { describe, expect, it } from 'vitest';
import { zoneSpelling } from './zone-spelling.ts';

describe('the time zone name the agent keeps', () => {
  it('is the database spelling, whatever the case typed', () => {
    expect(zoneSpelling('Europe/Rome')).toBe('Europe/Rome');
    expect(zoneSpelling('europe/rome')).toBe('Europe/Rome');
    expect(zoneSpelling('AMERICA/NEW_YORK')).toBe('America/New_York');
    expect(zoneSpelling('America/Port-au-Prince')).toBe('America/Port-au-Prince');
  });

  it('keeps the current names of zones ICU lists under an older one', () => {
    // ICU answers Asia/Calcutta for Asia/Kolkata: central and the technician say Kolkata.
    expect(zoneSpelling('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(zoneSpelling('asia/kolkata')).toBe('Asia/Kolkata');
    expect(zoneSpelling('Europe/Kyiv')).toBe('Europe/Kyiv');
    expect(zoneSpelling('asia/ho_chi_minh')).toBe('Asia/Ho_Chi_Minh');
  });
});
