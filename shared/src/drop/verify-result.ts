import type { Manifest } from './manifest.ts';

// Re-exported here so they reach `@zra/shared` with the verdict types.
export {
  DEFAULT_DROP_LIMITS,
  MAX_WINDOW_START_AFTER_RECEIVED_MS,
  type DropLimits,
} from './drop-limits.ts';

/**
 * Every rejection code, in the order the checks run. Stable snake_case codes; docs/drop-format.md
 * ("Rejection codes") says what each means and what the sender should do.
 */
export const DROP_REJECTION_CODES = [
  'too_large',
  'zip_corrupt',
  'zip64',
  'unsafe_entry_name',
  'zip_bomb',
  'manifest_missing',
  'manifest_invalid',
  'window_not_hour',
  'entry_missing',
  'size_mismatch',
  'hash_mismatch',
  'entry_unlisted',
  'entry_invalid',
  'name_mismatch',
  'window_in_future',
] as const;

/** Why a drop was rejected. */
export type DropRejectionCode = (typeof DROP_REJECTION_CODES)[number];

/** One archive entry of a verified drop. */
export interface VerifiedEntry {
  path: string;
  /** SHA-256 of the uncompressed bytes. */
  sha256: string;
  /** Uncompressed size. */
  bytes: number;
}

/** Outcome of `verifyDrop`: the manifest and identities, or a stable code and a sentence. */
export type VerifyResult =
  | {
      ok: true;
      manifest: Manifest;
      /** SHA-256 of the zip bytes. */
      sha256: string;
      /** SHA-256 of the sorted `path\tsha256\n` lines of every entry: the drop's identity. */
      contentId: string;
      /** Every entry in archive order, `manifest.json` included. */
      entries: VerifiedEntry[];
    }
  | { ok: false; code: DropRejectionCode; reason: string };
