import { readFile } from 'node:fs/promises';
import { DEFAULT_DROP_LIMITS } from '@zra/shared';
import type { DropBuffer } from './buffer/drop-buffer.ts';
import { checkBelongs, type DropVerifier } from './pull.ts';

/** What a second look at a quarantined drop found. */
export interface RecheckResult {
  /** `buffered`: valid now, queued for upload; `duplicate`: valid, but its content is
   * already buffered under another file; `quarantined`: still invalid (reason updated). */
  outcome: 'buffered' | 'duplicate' | 'quarantined';
  reason: string | null;
}

/**
 * Verifies a quarantined drop's kept blob again, with today's verifier (a person asks for it,
 * e.g. after an agent update fixed a validator). A drop now valid, of this park and ride,
 * becomes buffered and is uploaded; otherwise it stays quarantined with the current reason.
 */
export async function recheckQuarantined(
  buffer: DropBuffer,
  sha256: string,
  verify: DropVerifier,
  park: string,
): Promise<RecheckResult> {
  const drop = buffer.get(sha256);
  if (drop?.state !== 'quarantined') {
    throw new Error(
      `no quarantined drop ${sha256}: it may have been deleted or checked again meanwhile`,
    );
  }
  let zip: Buffer;
  try {
    zip = await readFile(buffer.blobs.blobPath(sha256));
  } catch (err) {
    throw new Error(
      `the kept copy of ${drop.fileName} cannot be read (${(err as Error).message}): delete it`,
      { cause: err },
    );
  }
  if (zip.length > DEFAULT_DROP_LIMITS.maxZipBytes) {
    return { outcome: 'quarantined', reason: drop.reason };
  }
  const verdict = verify(zip, { fileName: drop.fileName });
  if (!verdict.ok) {
    buffer.updateQuarantineReason(sha256, verdict.code, verdict.reason);
    return { outcome: 'quarantined', reason: verdict.reason };
  }
  try {
    checkBelongs(verdict.manifest, park, drop.ride);
  } catch (err) {
    const reason = (err as Error).message;
    buffer.updateQuarantineReason(sha256, 'wrong_destination', reason);
    return { outcome: 'quarantined', reason };
  }
  const outcome = await buffer.releaseQuarantined(sha256, {
    contentId: verdict.contentId,
    sequence: verdict.manifest.sequence,
    windowStart: verdict.manifest.window.start,
    windowEnd: verdict.manifest.window.end,
  });
  return { outcome, reason: null };
}
