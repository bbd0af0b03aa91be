import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  access,
  chmod,
  link,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  stat,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { BlobMissingError } from './blob-errors.ts';
import type { BytePieces } from './byte-pieces.ts';
import { BLOB_DIR_MODE, BLOB_FILE_MODE, syncDir } from './blob-files.ts';
import type { BlobRead, BlobStore, UploadArea } from './blob-store.ts';
import { checkedStream, dropSha256 } from './sha256-check.ts';

/** Errors of `link()` that mean "this filesystem cannot link here", not "something is wrong". */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK']);

/**
 * The blob store on a local (or ReadWriteMany) filesystem under BLOB_DIR:
 * `blobs/<sha[0:2]>/<sha>.zip` (content-addressed, never rewritten), `uploads/<uploadId>.part`
 * (uploads in progress), `reports/<reportId>/` and `tmp/` (scratch files of jobs, blobs being
 * written). All four on one filesystem, BLOB_DIR's: a blob is renamed in from `tmp/`.
 * References are absolute paths.
 */
export class FilesystemBlobStore implements BlobStore {
  readonly kind = 'filesystem' as const;
  readonly uploads: UploadArea;

  constructor(readonly root: string) {
    this.uploads = new FilesystemUploads(this);
  }

  /**
   * Creates the folders once, at start-up, closed to other users of the machine; folders made
   * by an older version (world-readable) are closed too. Whatever lies below them (report files
   * the Rust jobs write, upload parts) is then out of other users' reach. BLOB_DIR itself is
   * created closed but otherwise left as the operator made it (a volume's root). The 256 blob
   * folders are made here too, durably, so that no drop's commit has to make one.
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
    const blobs = join(this.root, 'blobs');
    for (let i = 0; i < 256; i++) {
      await mkdir(join(blobs, i.toString(16).padStart(2, '0')), { mode: BLOB_DIR_MODE }).catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        },
      );
    }
    await syncDir(blobs);
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

  async storeReport<K extends string>(
    _reportId: string,
    files: Record<K, string>,
  ): Promise<Record<K, string>> {
    // The reporter wrote them in place.
    return files;
  }

  tmpPath(suffix: string): string {
    return join(this.root, 'tmp', `${randomUUID()}${suffix}`);
  }

  /**
   * Copies a checked file into the blob store: temp file, fsync, rename, fsync of the folder,
   * so a crash leaves either no blob or the complete one, never a torn file.
   */
  async storeBlob(sourcePath: string, sha256: string): Promise<string> {
    const temp = this.tmpPath('.blob');
    await copyDurably(sourcePath, temp);
    return this.moveIn(temp, sha256);
  }

  /** As {@link storeBlob}, from memory: temp file, fsync, rename, fsync of the folder. */
  async storeBytes(data: BytePieces, sha256: string): Promise<string> {
    const temp = this.tmpPath('.blob');
    await writeDurably(temp, data);
    return this.moveIn(temp, sha256);
  }

  /**
   * Gives a complete, fsynced file its blob name, durably. The file waits in `tmp/`, not beside
   * the blobs: a crash before the rename leaves it where the scratch sweep removes it
   * (stale-scratch.ts), instead of a stray file in `blobs/` that nothing would ever remove.
   * The blob's folder, made at start-up, is made again when missing rather than asked after on
   * every drop; its own entry is then synced too, or a crash could lose the folder and the blob
   * with it. Also how the upload area's `promote` places an upload's link.
   */
  async moveIn(temp: string, sha256: string): Promise<string> {
    const target = this.blobPath(sha256);
    try {
      await rename(temp, target).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        await mkdir(dirname(target), { recursive: true, mode: BLOB_DIR_MODE });
        await syncDir(dirname(dirname(target)));
        await rename(temp, target);
      });
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    await syncDir(dirname(target));
    return target;
  }

  /**
   * A missing file under a readable store is missing; an unreadable store (volume not
   * mounted, I/O errors) throws its error, which is the store's outage.
   */
  async exists(ref: string): Promise<boolean> {
    try {
      await stat(ref);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await access(join(this.root, 'blobs'));
      return false;
    }
  }

  async read(ref: string): Promise<BlobRead> {
    const size = await stat(ref).then(
      (s) => s.size,
      (err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOENT' ? new BlobMissingError(ref) : err;
      },
    );
    // A drop is checked against the SHA-256 in its name, as the object store's are.
    return { size, stream: checkedStream(createReadStream(ref), ref, dropSha256(ref), size) };
  }

  withLocalFile<T>(ref: string, fn: (path: string) => Promise<T>): Promise<T> {
    return fn(ref);
  }

  async remove(ref: string): Promise<void> {
    await rm(ref, { force: true });
  }

  async removeAll(refs: readonly string[]): Promise<void> {
    for (const ref of refs) await this.remove(ref);
  }
}

/** Uploads in progress as one `.part` file each, fsynced after every chunk. */
class FilesystemUploads implements UploadArea {
  constructor(private readonly store: FilesystemBlobStore) {}

  async create(uploadId: string): Promise<string> {
    const path = this.store.uploadPath(uploadId);
    await writeFile(path, new Uint8Array(0), { flag: 'w', mode: BLOB_FILE_MODE });
    return path;
  }

  /**
   * Writes in place, never truncating: bytes a crash left past the recorded end are written
   * over by the chunks that follow, and a late write of a chunk already taken (a retry's first
   * try) carries the same bytes, which a truncate would have cut from behind the chunks after
   * it. `promote` cuts the file to the upload's size.
   */
  async write(ref: string, offset: number, data: Buffer): Promise<void> {
    const file = await open(ref, 'r+');
    try {
      await file.write(data, 0, data.length, offset);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  async reset(ref: string): Promise<void> {
    // A new file, never a truncate in place: a promoted upload shares its inode with the blob.
    await rm(ref, { force: true });
    await writeFile(ref, new Uint8Array(0), { flag: 'w', mode: BLOB_FILE_MODE });
  }

  async read(ref: string, start: number, end: number): Promise<Buffer> {
    const file = await open(ref, 'r');
    try {
      const out = Buffer.alloc(end - start);
      let at = 0;
      while (at < out.length) {
        const { bytesRead } = await file.read(out, at, out.length - at, start + at);
        if (bytesRead === 0) throw new Error(`upload file ends before byte ${start + at}`);
        at += bytesRead;
      }
      return out;
    } finally {
      await file.close();
    }
  }

  stream(ref: string, size: number): Readable {
    return createReadStream(ref, { start: 0, end: size - 1 });
  }

  withLocalFile<T>(ref: string, _size: number, fn: (path: string) => Promise<T>): Promise<T> {
    return fn(ref);
  }

  /**
   * A hard link under the blob's name (temp name, rename, fsync of the folder): no byte is
   * copied, and the chunks were fsynced as they came. A filesystem that cannot link gets a
   * durable copy instead.
   */
  async promote(ref: string, size: number, sha256: string): Promise<string> {
    await cutTo(ref, size);
    const temp = this.store.tmpPath('.blob');
    try {
      await link(ref, temp);
      // Uploads begun by an older version were created with the process's default mode.
      await chmod(temp, BLOB_FILE_MODE);
    } catch (err) {
      if (!NO_LINK.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      await rm(temp, { force: true });
      await copyDurably(ref, temp);
    }
    const target = await this.store.moveIn(temp, sha256);
    // rename() between two links of one file (this upload promoted before: a retried commit)
    // succeeds and changes nothing, leaving the temp name behind.
    await rm(temp, { force: true });
    return target;
  }

  async remove(ref: string): Promise<void> {
    await rm(ref, { force: true });
  }

  async *list(): AsyncIterable<{ uploadId: string; ref: string; modifiedMs: number }> {
    const dir = join(this.store.root, 'uploads');
    for (const name of await readdir(dir)) {
      const uploadId = /^([0-9a-f-]{36})\.part$/.exec(name)?.[1];
      if (!uploadId) continue;
      const ref = join(dir, name);
      const info = await stat(ref).catch(() => null);
      if (info) yield { uploadId, ref, modifiedMs: info.mtimeMs };
    }
  }
}

/**
 * Nothing past an upload's size may become part of its blob: a late write begun for an earlier
 * size of a reset upload could have left bytes there. Cut durably, and only when there are any.
 */
async function cutTo(ref: string, size: number): Promise<void> {
  if ((await stat(ref)).size <= size) return;
  const file = await open(ref, 'r+');
  try {
    await file.truncate(size);
    await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * Makes a new file (created 0640), lets `fill` write it, and fsyncs it; a failure leaves
 * nothing behind.
 */
async function createDurably(target: string, fill: (file: FileHandle) => Promise<void>) {
  const file = await open(target, 'wx', BLOB_FILE_MODE);
  try {
    await fill(file);
    await file.sync();
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(target, { force: true });
    throw err;
  }
  await file.close();
}

/** Writes bytes to a new path, durably (see {@link createDurably}). */
function writeDurably(target: string, data: BytePieces): Promise<void> {
  return createDurably(target, (file) => data.writeTo(file));
}

/** Copies a file to a new path, durably (see {@link createDurably}). */
async function copyDurably(sourcePath: string, target: string): Promise<void> {
  const src = await open(sourcePath, 'r');
  try {
    await createDurably(target, async (dst) => {
      const buffer = Buffer.allocUnsafe(1024 * 1024);
      for (;;) {
        const { bytesRead } = await src.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        await dst.write(buffer, 0, bytesRead);
      }
    });
  } finally {
    await src.close();
  }
}
