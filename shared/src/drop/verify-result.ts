import type { Manifest } from './manifest.ts';

/** Why a drop was rejected; stable codes, listed in docs/job-contracts.md. */
export type DropRejectionCode =
  | 'zip_corrupt'
  | 'unsafe_entry_name'
  | 'too_large'
  | 'zip_bomb'
  | 'manifest_missing'
  | 'manifest_invalid'
  | 'entry_missing'
  | 'entry_unlisted'
  | 'hash_mismatch'
  | 'size_mismatch'
  | 'entry_invalid'
  | 'name_mismatch';

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
  maxZipBytes: 128 * 1024 * 1024,
  maxEntries: 64,
  maxEntryBytes: 64 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxRatio: 100,
  ratioCheckAboveBytes: 1024 * 1024,
};

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
