import type { Migration } from './migration.ts';

/**
 * Adds the `rejected` state (central refused the upload as bad input again and again) and a
 * count of those refusals. SQLite cannot change a CHECK constraint in place, so the table is
 * rebuilt, with foreign keys off across the swap (`rebuildsTables`).
 */
export const rejectedDrops: Migration = {
  id: '20261128T0040-rejected-drops',
  rebuildsTables: true,
  sql: `
CREATE TABLE drops_next (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  content_id TEXT UNIQUE CHECK (content_id IS NULL OR length(content_id) = 64),
  ride TEXT NOT NULL,
  file_name TEXT NOT NULL,
  sequence INTEGER,
  window_start TEXT,
  window_end TEXT,
  bytes INTEGER NOT NULL CHECK (bytes >= 0),
  state TEXT NOT NULL
    CHECK (state IN ('buffered', 'uploading', 'acknowledged', 'quarantined', 'rejected')),
  reason_code TEXT,
  reason TEXT,
  central_batch_id TEXT,
  central_status TEXT,
  upload_attempts INTEGER NOT NULL DEFAULT 0,
  last_upload_error TEXT,
  pulled_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  acknowledged_at TEXT,
  -- Times central refused this drop as bad input (4xx other than auth or conflict).
  rejections INTEGER NOT NULL DEFAULT 0,
  CHECK (state NOT IN ('quarantined', 'rejected') OR reason IS NOT NULL),
  CHECK (state <> 'acknowledged' OR central_batch_id IS NOT NULL)
) STRICT;

INSERT INTO drops_next (sha256, content_id, ride, file_name, sequence, window_start, window_end,
  bytes, state, reason_code, reason, central_batch_id, central_status, upload_attempts,
  last_upload_error, pulled_at, updated_at, acknowledged_at)
SELECT sha256, content_id, ride, file_name, sequence, window_start, window_end,
  bytes, state, reason_code, reason, central_batch_id, central_status, upload_attempts,
  last_upload_error, pulled_at, updated_at, acknowledged_at
FROM drops;

DROP TABLE drops;
ALTER TABLE drops_next RENAME TO drops;
CREATE INDEX drops_by_state ON drops (state, pulled_at);
`,
};
