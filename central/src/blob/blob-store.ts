import { randomUUID } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Folders: owner and group only (the API and the job pods share a group on the volume); no
 * other user of the machine may list or read drops, uploads or reports.
 */
export const BLOB_DIR_MODE = 0o770;
/** Stored drops: read by the owner and the group (the workers), written once, by no one else. */
export const BLOB_FILE_MODE = 0o640;

/**
 * The on-disk layout under BLOB_DIR: `blobs/<sha[0:2]>/<sha>.zip` (content-addressed, never
 * rewritten), `uploads/<uploadId>.part` (uploads in progress) and `reports/<reportId>/`.
 */
export class BlobStore {
  constructor(readonly root: string) {}

  /**
   * Creates the folders once, at start-up, closed to other users of the machine; folders made
   * by an older version (world-readable) are closed too. Whatever lies below them (report files
   * the Rust jobs write, upload parts) is then out of other users' reach. BLOB_DIR itself is
   * created closed but otherwise left as the operator made it (a volume's root).
   */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: BLOB_DIR_MODE });
    for (const dir of ['blobs', 'uploads', 'reports', 'tmp']) {
      const path = join(this.root, dir);
      await mkdir(path, { recursive: true, mode: BLOB_DIR_MODE });
      // mkdir leaves an existing folder's mode alone; another owner's folder cannot be changed
      // (EPERM), and stays as that owner made it.
      await chmod(path, BLOB_DIR_MODE).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPERM') throw err;
      });
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
    await mkdir(dirname(target), { recursive: true, mode: BLOB_DIR_MODE });
    const temp = `${target}.${randomUUID()}.tmp`;
    const src = await open(sourcePath, 'r');
    const dst = await open(temp, 'wx', BLOB_FILE_MODE);
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
