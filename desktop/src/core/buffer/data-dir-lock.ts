import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Held while an agent uses a data directory. */
export interface DataDirLock {
  release(): void;
}

/** The lock itself: a SQLite database this agent holds an exclusive file lock on. */
const LOCK_FILE = 'agent-lock.sqlite';
/** Who holds it, for the message a second agent shows; never used to decide anything. */
const HOLDER_FILE = 'agent.pid';
/** The pid file earlier agents locked with (see below); removed once the lock is taken. */
const LEGACY_LOCK_FILE = 'agent.lock';
/**
 * Every lock this process holds. The lock lives as long as its database connection, and
 * better-sqlite3 closes a connection nobody references when the garbage collector runs: a
 * caller that dropped the returned handle would lose the lock at a random moment (found as a
 * second agent starting beside a live one). Kept here until released, never collected.
 */
const held = new Set<Database.Database>();

/**
 * Makes sure one agent at a time uses a data directory: a second one would delete the first
 * one's temp downloads and unrecorded blobs at start-up.
 *
 * The lock is a file lock the operating system holds for this process and drops when it ends,
 * however it ends (crash, SIGKILL, power cut): a SQLite database opened in exclusive locking
 * mode, with one write, keeps its POSIX lock until the connection closes. Earlier agents wrote
 * their pid to `agent.lock` and asked `kill(pid, 0)` whether it still ran, which says yes for
 * a zombie, for an unrelated process that got the pid, and for this very process when a
 * container restart hands it the same pid: the agent then refused to start until a person
 * deleted the file. Here no pid is ever consulted; `agent.pid` only names the holder in the
 * refusal. SQLite's locks also conflict between two connections of one process, so a second
 * agent in the same process is refused too.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting for it.
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec(
      `CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, since TEXT NOT NULL)`,
    );
    // The write takes the exclusive lock; exclusive locking mode keeps it after the commit.
    db.prepare('INSERT OR REPLACE INTO holder (id, pid, since) VALUES (1, ?, ?)').run(
      process.pid,
      new Date().toISOString(),
    );
  } catch (err) {
    db.close();
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') {
      const holder = readHolder(dataDir);
      throw new Error(
        `another agent${holder ? ` (pid ${holder})` : ''} is using the data directory ${dataDir}; ` +
          'stop it first, or give this agent another dataDir',
      );
    }
    throw new Error(
      `cannot lock the data directory ${dataDir} (${(err as Error).message}): check that the agent's user may write there`,
      { cause: err },
    );
  }
  held.add(db);
  writeFileSync(path.join(dataDir, HOLDER_FILE), `${process.pid}\n`);
  rmSync(path.join(dataDir, LEGACY_LOCK_FILE), { force: true });
  return {
    release: () => {
      held.delete(db);
      if (!db.open) return;
      rmSync(path.join(dataDir, HOLDER_FILE), { force: true });
      db.close();
    },
  };
}

function readHolder(dataDir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
