import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { applyMigrations } from './migrate.ts';
import { BUFFER_MIGRATIONS } from './migrations/index.ts';

/**
 * Opens (creating if needed) the buffer database with the settings the no-loss guarantee
 * rests on: WAL so readers never block the writer, `synchronous=FULL` so a committed row
 * survives power loss (NORMAL in WAL mode may lose the last commits), foreign keys on.
 */
export function openBufferDatabase(file: string, log: Logger): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Another reader (a status window) may hold the lock for a moment.
    db.pragma('busy_timeout = 5000');
    const version = db.prepare('SELECT sqlite_version()').pluck().get();
    log.info({ sqliteVersion: version, file }, 'buffer database open');
    applyMigrations(db, BUFFER_MIGRATIONS, log);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
