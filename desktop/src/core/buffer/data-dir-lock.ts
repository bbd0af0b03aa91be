import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Held while an agent uses a data directory. */
export interface DataDirLock {
  release(): void;
}

/**
 * Makes sure one agent at a time uses a data directory: a second one would delete the first
 * one's temp downloads and unrecorded blobs at start-up. The lock is a file holding the
 * owner's pid; a lock left by a process that no longer runs (a crash, SIGKILL) is taken over.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = path.join(dataDir, 'agent.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (Number.isInteger(owner) && owner > 0 && isRunning(owner)) {
      throw new Error(
        `another agent (pid ${owner}) is using the data directory ${dataDir}; ` +
          'stop it first, or give this agent another dataDir',
      );
    }
    rmSync(file, { force: true });
  }
  throw new Error(`cannot lock the data directory ${dataDir}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
