import { chmod, mkdir, stat } from 'node:fs/promises';
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

/**
 * Creates `dir` if needed (mode 0700: it holds the buffered drops, the credentials key and the
 * local access token), locks it for this agent, opens and migrates `buffer.sqlite`.
 */
export async function openDataDir(dir: string, log: Logger): Promise<DataDir> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await ownerOnly(dir, log);
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

/**
 * Narrows a data directory others can enter (made by hand or by an installer, 0755) to its
 * owner; one the agent may not change is started anyway, with a warning saying the fix.
 */
async function ownerOnly(dir: string, log: Logger): Promise<void> {
  if (process.platform === 'win32') return; // modes say nothing there; ACLs decide
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  try {
    await chmod(dir, 0o700);
    log.info(
      { dataDir: dir, was: mode.toString(8) },
      'data directory narrowed to its owner (0700)',
    );
  } catch (err) {
    log.warn(
      { dataDir: dir, mode: mode.toString(8), err: (err as Error).message },
      `other users of this computer can enter the data directory and the agent cannot change it: run "chmod 700 ${dir}" as its owner`,
    );
  }
}
