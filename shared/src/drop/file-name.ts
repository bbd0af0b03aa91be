import { z } from 'zod';

const FILE_NAME = /^([a-z0-9][a-z0-9-]*)_([a-z0-9][a-z0-9-]*)_(\d{8}T\d{6}Z)_(\d+)\.zip$/;

export const dropFileNameSchema = z
  .string()
  .regex(FILE_NAME, 'expected {park}_{ride}_{YYYYMMDDTHHMMSSZ}_{seq}.zip');

export interface DropFileName {
  park: string;
  ride: string;
  /** Window start, UTC ISO 8601. */
  windowStart: string;
  sequence: number;
}

/** Parses `{park}_{ride}_{windowStartUTC}_{seq}.zip`; returns null for anything else. */
export function parseDropFileName(name: string): DropFileName | null {
  const m = FILE_NAME.exec(name);
  if (!m) return null;
  const [, park, ride, stamp, seq] = m as unknown as [string, string, string, string, string];
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`;
  if (Number.isNaN(Date.parse(iso))) return null;
  return { park, ride, windowStart: iso, sequence: Number(seq) };
}

/** Formats the canonical drop file name. */
export function formatDropFileName(d: DropFileName): string {
  const stamp = d.windowStart.replace(/[-:]/g, '').replace(/\.\d+/, '');
  return `${d.park}_${d.ride}_${stamp}_${d.sequence}.zip`;
}
