import { initialBuffer } from './20261127T2355-initial-buffer.ts';
import { rejectedDrops } from './20261128T0040-rejected-drops.ts';
import { blobEviction } from './20261128T0100-blob-eviction.ts';
import { ridesSettingsSecrets } from './20261128T0300-rides-settings-secrets.ts';
import { activityAndDropPages } from './20261128T0430-activity-and-drop-pages.ts';
import { centralLinkMemory } from './20261128T1900-central-link-memory.ts';
import { dropRecords } from './20261203T1000-drop-records.ts';
import type { Migration } from './migration.ts';

export type { Migration } from './migration.ts';

/** Every buffer migration, oldest first. Append only: never edit or reorder a shipped one. */
export const BUFFER_MIGRATIONS: readonly Migration[] = [
  initialBuffer,
  rejectedDrops,
  blobEviction,
  ridesSettingsSecrets,
  activityAndDropPages,
  centralLinkMemory,
  dropRecords,
];
