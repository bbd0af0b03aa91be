import { open } from 'node:fs/promises';

/**
 * Folders: owner and group only (the API and the job pods share a group on the volume); no
 * other user of the machine may list or read drops, uploads or reports.
 */
export const BLOB_DIR_MODE = 0o770;
/** Stored drops: read by the owner and the group (the workers), written once, by no one else. */
export const BLOB_FILE_MODE = 0o640;

/** Makes a rename durable: the directory entry itself must reach the disk. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
