import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { ActivityLog } from '../buffer/activity-log.ts';
import { openDataDir } from '../buffer/data-dir.ts';
import { DropBuffer } from '../buffer/drop-buffer.ts';
import { KeyFileSecretStore } from '../secrets/key-file-secret-store.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { SecretTable } from './secret-table.ts';

/** What the agent keeps in its data directory, open. */
export interface AgentData {
  /** The one database handle the stores share (the buffer owns it and closes it). */
  db: Database.Database;
  buffer: DropBuffer;
  secrets: SecretTable;
  activity: ActivityLog;
}

/**
 * Opens (and locks) the data directory, repairing what a crash left in the buffer, and the
 * credentials key: `secrets` when given (Electron's safeStorage), else an AES-256-GCM key in
 * `<dataDir>/secrets.key` (0600). Nothing stays open when a step fails.
 */
export async function openAgentData(
  dataDir: string,
  secrets: SecretStore | undefined,
  log: Logger,
): Promise<AgentData> {
  const data = await openDataDir(dataDir, log);
  try {
    const buffer = await DropBuffer.over(data, log, true);
    const store = secrets ?? KeyFileSecretStore.openOrCreate(path.join(dataDir, 'secrets.key'));
    return {
      db: data.db,
      buffer,
      secrets: new SecretTable(data.db, store),
      activity: new ActivityLog(data.db),
    };
  } catch (err) {
    data.close();
    throw err;
  }
}
