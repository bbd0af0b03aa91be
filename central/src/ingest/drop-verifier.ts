import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { VerifyResult } from '@zra/shared';

/**
 * Checks a whole drop zip (shared's `verifyDrop`); injected so the ingest service stays testable.
 * Without a file name, the name rule is not checked (the bytes' own verdict).
 */
export type DropVerifier = (zip: Buffer, options: { fileName?: string }) => VerifyResult;

/** What commit learns about an uploaded file: its size, SHA-256 and the drop's verdict. */
export type UploadCheck =
  | { found: true; bytes: number; sha256: string; verdict: VerifyResult }
  /** The file is gone: a concurrent commit of the same upload finished first. */
  | { found: false };

/**
 * Reads, hashes and verifies an uploaded file (in a worker thread, or in-process), under the
 * name it came by; without one, whatever its name.
 */
export type UploadChecker = (path: string, fileName?: string) => Promise<UploadCheck>;

/** The check itself; runs wherever it is called (a worker thread, or a test's own process). */
export async function checkUploadFile(
  verify: DropVerifier,
  path: string,
  fileName?: string,
): Promise<UploadCheck> {
  let zip: Buffer;
  try {
    zip = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { found: false };
    throw err;
  }
  const sha256 = createHash('sha256').update(zip).digest('hex');
  return {
    found: true,
    bytes: zip.length,
    sha256,
    verdict: verify(zip, fileName === undefined ? {} : { fileName }),
  };
}

/** An {@link UploadChecker} that verifies on the calling thread (tests; a custom verifier). */
export function inProcessChecker(verify: DropVerifier): UploadChecker {
  return (path, fileName) => checkUploadFile(verify, path, fileName);
}
