import type { Logger } from 'pino';
import { blobIntact } from './blob-intact.ts';
import type { DropBuffer } from './drop-buffer.ts';

/** What one pass over the waiting blobs found. */
export interface ScrubResult {
  checked: number;
  damaged: number;
}

/**
 * Checks the SHA-256 of every blob still waiting for central, one at a time, and forgets each
 * damaged one (its gateway file is pulled again). Start-up only compares sizes, because hashing
 * a backlog of days before pulling would hold pulls up for minutes; this pass runs after, in
 * the background, so a bit flipped while the agent was off is found long before its upload
 * (which checks again). Stops early when `signal` is aborted.
 */
export async function scrubWaitingBlobs(
  buffer: DropBuffer,
  log: Logger,
  signal?: AbortSignal,
): Promise<ScrubResult> {
  const result: ScrubResult = { checked: 0, damaged: 0 };
  for (const sha256 of buffer.uploadQueueShas()) {
    if (signal?.aborted) break;
    if (await blobIntact(buffer, sha256)) {
      result.checked++;
      continue;
    }
    // Uploaded (and its blob evicted) while this pass ran: nothing is wrong.
    const drop = buffer.get(sha256);
    if (!drop || (drop.state !== 'buffered' && drop.state !== 'uploading')) continue;
    result.checked++;
    result.damaged++;
    log.error(
      { sha256, ride: drop.ride, fileName: drop.fileName },
      'the buffered copy of a drop is damaged on disk; forgetting it so it is pulled again from the gateway',
    );
    await buffer.forgetDamaged(sha256);
  }
  return result;
}
