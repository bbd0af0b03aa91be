import type { Logger } from 'pino';
import type { DropBuffer } from './drop-buffer.ts';

/** The buffer's size cap and how long acknowledged blobs stay on disk. */
export interface BufferSpaceConfig {
  maxBytes: number;
  retainAcknowledgedHours: number;
}

/** Disk use of the buffer as the status view shows it. */
export interface BufferSpaceStatus {
  /** Bytes of blobs on disk. */
  bytes: number;
  maxBytes: number;
  /** Of `bytes`: drops central has not acknowledged (never evicted). */
  waitingBytes: number;
  /** Of `bytes`: acknowledged drops still within their retention. */
  acknowledgedBytes: number;
  /** Of `bytes`: quarantined and rejected drops, kept for a person. */
  keptBytes: number;
  /** Why pulling is paused, in plain words; null while there is room. */
  pullPausedReason: string | null;
}

/**
 * Keeps the buffer within its cap. Acknowledged blobs past the retention are deleted (their
 * rows stay). When the cap is reached anyway, acknowledged blobs are deleted early, oldest
 * acknowledgement first: central holds them, and a full buffer would stop pulling. Drops
 * central has not acknowledged, and quarantined or rejected ones, are never deleted here.
 * Returns whether there is room to pull more.
 */
export async function makeRoom(
  buffer: DropBuffer,
  config: BufferSpaceConfig,
  log: Logger,
  now: number = Date.now(),
  pendingBytes = 0,
): Promise<boolean> {
  const cutoff = new Date(now - config.retainAcknowledgedHours * 3_600_000).toISOString();
  let expired = 0;
  let early = 0;
  let freed = 0;
  // Pulls of several rides and the upload loop may run this at once: a drop another call
  // evicted first is skipped (evictBlob answers false), and the size is read afresh.
  for (const drop of buffer.evictable(cutoff)) {
    if (await buffer.evictBlob(drop.sha256)) {
      expired++;
      freed += drop.bytes;
    }
  }
  // Files a pull has downloaded but not recorded yet will be stored too.
  let bytes = buffer.storedBytes() + pendingBytes;
  if (bytes >= config.maxBytes) {
    for (const drop of buffer.evictable()) {
      if (await buffer.evictBlob(drop.sha256)) {
        early++;
        freed += drop.bytes;
      }
      bytes = buffer.storedBytes() + pendingBytes;
      if (bytes < config.maxBytes) break;
    }
  }
  if (expired + early > 0) {
    log.info(
      { pastRetention: expired, beforeRetention: early, freedBytes: freed },
      'deleted blobs of acknowledged drops; their records are kept',
    );
  }
  return bytes < config.maxBytes;
}

/** Current disk use and, when the cap is reached, why pulling pauses. */
export function bufferSpace(buffer: DropBuffer, config: BufferSpaceConfig): BufferSpaceStatus {
  const kinds = buffer.storedBytesByKind();
  const bytes = kinds.waiting + kinds.acknowledged + kinds.kept;
  let reason: string | null = null;
  if (bytes >= config.maxBytes) {
    reason =
      `buffer full: ${formatBytes(kinds.waiting)} of ${formatBytes(config.maxBytes)} waiting ` +
      'for central; pulling resumes when uploads free space' +
      (kinds.kept > 0 ? `; ${formatBytes(kinds.kept)} held by quarantined or rejected drops` : '');
  }
  return {
    bytes,
    maxBytes: config.maxBytes,
    waitingBytes: kinds.waiting,
    acknowledgedBytes: kinds.acknowledged,
    keptBytes: kinds.kept,
    pullPausedReason: reason,
  };
}

/** Sizes as people read them: "950 B", "1.2 MB", "1.9 GB" (decimal units, one decimal). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = unit === 0 ? String(value) : String(Math.round(value * 10) / 10);
  return `${shown} ${units[unit] ?? 'B'}`;
}
