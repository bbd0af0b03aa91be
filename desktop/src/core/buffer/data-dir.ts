import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { BlobStore } from './blob-store.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { openBufferDatabase } from './open-database.ts';

/**
 * An agent's data directory, opened and locked: the SQLite database (migrated) and the blob
 * folders. The drop buffer and the stores (rides, settings, secrets, activity, central link)
 * each get the database handle from here, not from one another.
 */
export interface DataDir {
  dir: string;
  db: Database.Database;
  blobs: BlobStore;
  /** Closes the database and releases the lock. */
  close(): void;
}

/** Creates `dir` if needed, locks it for this agent, opens and migrates `buffer.sqlite`. */
export async function openDataDir(dir: string, log: Logger): Promise<DataDir> {
  await mkdir(dir, { recursive: true });
  const lock = lockDataDir(dir);
  let db: Database.Database | undefined;
  try {
    db = openBufferDatabase(path.join(dir, 'buffer.sqlite'), log);
    const blobs = new BlobStore(dir);
    await blobs.init();
    const opened = db;
    return {
      dir,
      db: opened,
      blobs,
      close() {
        if (!opened.open) return;
        opened.close();
        lock.release();
      },
    };
  } catch (err) {
    db?.close();
    lock.release();
    throw err;
  }
}
