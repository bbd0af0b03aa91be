import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from '@zra/gateway';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Content-addressed zip files on disk: `blobs/<aa>/<sha256>.zip`, written through `tmp/`
 * (same file system) so a blob path only ever holds a complete, fsynced file.
 */
export class BlobStore {
  readonly blobsDir: string;
  readonly tmpDir: string;

  constructor(dataDir: string) {
    this.blobsDir = path.join(dataDir, 'blobs');
    this.tmpDir = path.join(dataDir, 'tmp');
  }

  /** Creates the folders and removes temp files a crash left behind (they were never recorded). */
  async init(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true });
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  /** Where the blob of `sha256` lives. */
  blobPath(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.blobsDir, sha256.slice(0, 2), `${sha256}.zip`);
  }

  /** A fresh temp file path for a download in progress. */
  tmpPath(hint: string): string {
    const safe = hint.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
    return path.join(this.tmpDir, `${randomBytes(6).toString('hex')}-${safe}.part`);
  }

  /**
   * Moves an fsynced temp file to its blob path and fsyncs the directory, so the blob
   * survives a crash once this returns. Overwriting an existing blob is harmless: same name,
   * same bytes.
   */
  async adopt(tmpFile: string, sha256: string): Promise<string> {
    const target = this.blobPath(sha256);
    const dir = path.dirname(target);
    await mkdir(dir, { recursive: true });
    await rename(tmpFile, target);
    await fsyncDir(dir);
    await fsyncDir(this.blobsDir);
    return target;
  }

  /** Deletes a blob (no error when it is already gone). */
  async remove(sha256: string): Promise<void> {
    await rm(this.blobPath(sha256), { force: true });
  }

  /** The sha256 of every blob on disk. */
  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const prefix of await readdir(this.blobsDir)) {
      let names: string[];
      try {
        names = await readdir(path.join(this.blobsDir, prefix));
      } catch {
        continue;
      }
      for (const name of names) {
        const sha = name.replace(/\.zip$/, '');
        if (name.endsWith('.zip') && SHA256.test(sha) && sha.startsWith(prefix)) out.push(sha);
      }
    }
    return out;
  }
}
