import { readFile } from 'node:fs/promises';
import { DEFAULT_DROP_LIMITS } from '@zra/shared';
import type { DropBuffer } from '../buffer/drop-buffer.ts';
import type { DropVerifier } from '@zra/gateway';
import type { RideConfig } from '../settings/config.ts';
import { misplacedDrop } from '../pull/drop-belongs.ts';

/** What a second look at a quarantined drop found. */
export interface RecheckResult {
  /** `buffered`: valid now, queued for upload; `duplicate`: valid, but its content is
   * already buffered under another file; `quarantined`: still invalid (reason updated). */
  outcome: 'buffered' | 'duplicate' | 'quarantined';
  reason: string | null;
}

/**
 * Verifies a quarantined file's kept blob again, under its own name, with today's verifier
 * (a person asks for it, e.g. after an agent update fixed a validator or after the ride's
 * configuration was corrected). A drop now valid, of this park and ride, becomes buffered
 * and is uploaded; otherwise it stays quarantined with the current reason. `ride` is the
 * ride's configuration now (its folder is named in a ride mismatch); the record's own ride
 * id when the ride was removed.
 */
export async function recheckQuarantined(
  buffer: DropBuffer,
  id: number,
  verify: DropVerifier,
  park: string,
  ride: (rideId: string) => Pick<RideConfig, 'id' | 'remoteDir'> | undefined,
): Promise<RecheckResult> {
  const drop = buffer.getRecord(id);
  if (drop?.state !== 'quarantined') {
    throw new Error(
      `no quarantined drop ${id}: it may have been deleted or checked again meanwhile`,
    );
  }
  let zip: Buffer;
  try {
    zip = await readFile(buffer.blobs.blobPath(drop.sha256));
  } catch (err) {
    throw new Error(
      `the kept copy of ${drop.fileName} cannot be read (${(err as Error).message}): delete it`,
      { cause: err },
    );
  }
  if (zip.length > DEFAULT_DROP_LIMITS.maxZipBytes) {
    return { outcome: 'quarantined', reason: drop.reason };
  }
  // Judged as when it was pulled: the time it was received decides `window_in_future`.
  const receivedAt = new Date(drop.pulledAt);
  const verdict = verify(zip, {
    fileName: drop.fileName,
    ...(Number.isNaN(receivedAt.getTime()) ? {} : { receivedAt }),
  });
  if (!verdict.ok) {
    buffer.updateQuarantineReason(id, verdict.code, verdict.reason);
    return { outcome: 'quarantined', reason: verdict.reason };
  }
  const misplaced = misplacedDrop(
    verdict.manifest,
    park,
    ride(drop.ride) ?? { id: drop.ride, remoteDir: '(removed ride)' },
  );
  if (misplaced) {
    buffer.updateQuarantineReason(id, misplaced.code, misplaced.reason);
    return { outcome: 'quarantined', reason: misplaced.reason };
  }
  const outcome = await buffer.releaseQuarantined(id, {
    contentId: verdict.contentId,
    sequence: verdict.manifest.sequence,
    windowStart: verdict.manifest.window.start,
    windowEnd: verdict.manifest.window.end,
  });
  return { outcome, reason: null };
}
