import type { DropBuffer } from './drop-buffer.ts';
import { sha256File } from '@zra/gateway';

/** Whether the blob of this drop is on disk with the bytes its SHA-256 names. */
export async function blobIntact(buffer: DropBuffer, sha256: string): Promise<boolean> {
  try {
    return (await sha256File(buffer.blobs.blobPath(sha256))) === sha256;
  } catch {
    // Missing or unreadable: no better than damaged.
    return false;
  }
}
