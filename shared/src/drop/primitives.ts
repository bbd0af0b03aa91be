import { z } from 'zod';

/** Park and ride ids appear in file names, paths and URLs, so they stay a safe slug. */
export const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lowercase letters, digits and dashes (max 63)');

/** An instant in UTC, ISO 8601 with a `Z` suffix; PLC clocks are set to UTC. */
export const utcInstantSchema = z.iso.datetime();

/** Lowercase hex SHA-256. */
export const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex SHA-256');

/** Zone names found valid; a formatter is built once per name. */
const KNOWN_ZONES = new Set<string>();
const MAX_KNOWN_ZONES = 2000;

/**
 * An IANA zone name (`Europe/Rome`, `UTC`, `Etc/GMT+1`). Node 22's Intl also takes a UTC offset
 * (`+01:00`) as a zone, which Node 20 and the Rust side (chrono-tz) refuse: an offset has no
 * DST rules, so a park on one would get every summer hour wrong. Refused everywhere alike.
 */
export function isIanaTimeZone(tz: string): boolean {
  if (/^[+-]/.test(tz)) return false;
  // Building a formatter costs about a millisecond, on every manifest central takes in: the
  // answer for a zone never changes. Invalid names are not kept, and the set is bounded: Intl
  // takes any capitalisation of a name, so valid spellings are as many as anyone cares to make.
  if (KNOWN_ZONES.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    if (KNOWN_ZONES.size < MAX_KNOWN_ZONES) KNOWN_ZONES.add(tz);
    return true;
  } catch {
    return false;
  }
}

export const timezoneSchema = z
  .string()
  .refine(isIanaTimeZone, { message: 'expected an IANA time zone such as Europe/Rome' });
