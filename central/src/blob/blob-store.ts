import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * The on-disk layout under BLOB_DIR: `blobs/<sha[0:2]>/<sha>.zip` (content-addressed, never
 * rewritten), `uploads/<uploadId>.part` (uploads in progress) and `reports/<reportId>/`.
 */
export class BlobStore {
  constructor(readonly root: string) {}

  /** Creates the folders once, at start-up. */
  async init(): Promise<void> {
    for (const dir of ['blobs', 'uploads', 'reports', 'tmp']) {
      await mkdir(join(this.root, dir), { recursive: true });
    }
  }

  blobPath(sha256: string): string {
    return join(this.root, 'blobs', sha256.slice(0, 2), `${sha256}.zip`);
  }

  uploadPath(uploadId: string): string {
    return join(this.root, 'uploads', `${uploadId}.part`);
  }

  reportDir(reportId: string): string {
    return join(this.root, 'reports', reportId);
  }

  /** A fresh path for scratch files (job output), removed by the caller. */
  tmpPath(suffix: string): string {
    return join(this.root, 'tmp', `${randomUUID()}${suffix}`);
  }

  /**
   * Copies a verified upload into the blob store: temp file, fsync, rename, fsync of the
   * folder, so a crash leaves either no blob or the complete one, never a torn file.
   */
  async storeBlob(sourcePath: string, sha256: string): Promise<string> {
    const target = this.blobPath(sha256);
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.${randomUUID()}.tmp`;
    const src = await open(sourcePath, 'r');
    const dst = await open(temp, 'wx');
    try {
      const buffer = Buffer.allocUnsafe(1024 * 1024);
      for (;;) {
        const { bytesRead } = await src.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        await dst.write(buffer, 0, bytesRead);
      }
      await dst.sync();
    } catch (err) {
      await dst.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw err;
    } finally {
      await src.close();
    }
    await dst.close();
    await rename(temp, target);
    await syncDir(dirname(target));
    return target;
  }
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
