import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * A connection of its own to a data directory's `buffer.sqlite`, as another program would
 * open it: for tests that set up or inspect rows the buffer's API does not expose. The caller
 * closes it.
 */
export function openBufferSqlite(dataDir: string): Database.Database {
  const db = new Database(path.join(dataDir, 'buffer.sqlite'));
  db.pragma('busy_timeout = 5000');
  return db;
}
