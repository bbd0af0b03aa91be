import type { Migration } from './migration.ts';

/**
 * Acknowledged drops lose their blob after the retention (or when the buffer is full); the
 * row stays, so the remote file is still known and not pulled again.
 */
export const blobEviction: Migration = {
  id: '20261128T0100-blob-eviction',
  sql: `
-- When the blob was deleted; NULL while it is on disk.
ALTER TABLE drops ADD COLUMN blob_evicted_at TEXT
  CHECK (blob_evicted_at IS NULL OR state = 'acknowledged');
CREATE INDEX drops_by_acknowledgement ON drops (acknowledged_at) WHERE blob_evicted_at IS NULL;
`,
};
