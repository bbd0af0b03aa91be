import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { DEFAULT_DROP_LIMITS, type VerifyDropOptions, type VerifyResult } from '@zra/shared';
import { sha256File } from './hash-file.ts';

/** Checks a drop zip; `verifyDrop` from `@zra/shared` in production. */
export type DropVerifier = (zip: Buffer, options: VerifyDropOptions) => VerifyResult;

/** What checking one downloaded file found. */
export interface DownloadCheck {
  /** The file's size on disk. */
  size: number;
  /** SHA-256 (hex) of the file's bytes: its blob name in the buffer. */
  sha256: string;
  /** The verifier's verdict; null when the file is larger than any drop may be. */
  verdict: VerifyResult | null;
}

/**
 * Hashes and verifies a downloaded (already fsynced) file; runs in a verifier thread or
 * inline. `receivedAt` (the agent's clock when the file was pulled, ISO 8601) applies the
 * contextual `window_in_future` check.
 */
export type DownloadChecker = (
  file: string,
  fileName: string,
  receivedAt: string,
) => Promise<DownloadCheck>;

/**
 * Reads the file once, hashes those bytes and verifies them. A file larger than the verifier
 * accepts is only hashed (streamed, so it never sits in memory) and gets no verdict.
 */
export async function checkDownload(
  verify: DropVerifier,
  file: string,
  fileName: string,
  receivedAt: string,
): Promise<DownloadCheck> {
  const { size } = await stat(file);
  if (size > DEFAULT_DROP_LIMITS.maxZipBytes) {
    return { size, sha256: await sha256File(file), verdict: null };
  }
  const zip = await readFile(file);
  const sha256 = createHash('sha256').update(zip).digest('hex');
  return {
    size: zip.length,
    sha256,
    verdict: verify(zip, { fileName, sha256, receivedAt: new Date(receivedAt) }),
  };
}
