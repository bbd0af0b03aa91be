import { z } from 'zod';
import limitsFile from './drop-limits.json' with { type: 'json' };

/**
 * The numbers every verifier of the drop format applies, read from `drop-limits.json`: the one
 * place they are written. The Rust `drop-format` crate gets the same numbers from
 * `limits_generated.rs`, which `write-rust-limits.ts` writes from the same file; a test on each
 * side fails when the two differ.
 */
export const dropLimitsFileSchema = z.strictObject({
  format: z.literal('zamperla.drop-limits/v1'),
  maxZipBytes: z.number().int().positive(),
  maxEntries: z.number().int().positive(),
  maxEntryBytes: z.number().int().positive(),
  maxTotalBytes: z.number().int().positive(),
  maxRatio: z.number().int().positive(),
  ratioCheckAboveBytes: z.number().int().nonnegative(),
  maxWindowStartAfterReceivedMs: z.number().int().nonnegative(),
});

export type DropLimitsFile = z.infer<typeof dropLimitsFileSchema>;

/** `drop-limits.json`, validated (a typo there must fail loudly, not loosen a limit). */
export const DROP_LIMITS_FILE: DropLimitsFile = dropLimitsFileSchema.parse(limitsFile);

/** Limits that keep a hostile or broken zip from exhausting memory or disk. */
export interface DropLimits {
  maxZipBytes: number;
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Uncompressed / compressed, checked for entries above `ratioCheckAboveBytes`. */
  maxRatio: number;
  ratioCheckAboveBytes: number;
}

export const DEFAULT_DROP_LIMITS: DropLimits = {
  maxZipBytes: DROP_LIMITS_FILE.maxZipBytes,
  maxEntries: DROP_LIMITS_FILE.maxEntries,
  maxEntryBytes: DROP_LIMITS_FILE.maxEntryBytes,
  maxTotalBytes: DROP_LIMITS_FILE.maxTotalBytes,
  maxRatio: DROP_LIMITS_FILE.maxRatio,
  ratioCheckAboveBytes: DROP_LIMITS_FILE.ratioCheckAboveBytes,
};

/**
 * How far after the moment a drop was received its window may start (`window_in_future`): PLC
 * clocks drift a little, and a drop may be pulled right after its hour began.
 */
export const MAX_WINDOW_START_AFTER_RECEIVED_MS = DROP_LIMITS_FILE.maxWindowStartAfterReceivedMs;
