import type { Migration } from './migration.ts';

/** The first buffer schema: remote files seen on the gateways, and the drops kept locally. */
export const initialBuffer: Migration = {
  id: '20261127T2355-initial-buffer',
  sql: `
CREATE TABLE drops (
  -- SHA-256 of the zip bytes; names the blob at blobs/<aa>/<sha256>.zip.
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  -- The drop's identity (docs/job-contracts.md); NULL when the zip could not be read.
  content_id TEXT UNIQUE CHECK (content_id IS NULL OR length(content_id) = 64),
  ride TEXT NOT NULL,
  file_name TEXT NOT NULL,
  sequence INTEGER,
  window_start TEXT,
  window_end TEXT,
  bytes INTEGER NOT NULL CHECK (bytes >= 0),
  state TEXT NOT NULL CHECK (state IN ('buffered', 'uploading', 'acknowledged', 'quarantined')),
  -- Why the drop is quarantined (here or by central): a stable code and a sentence.
  reason_code TEXT,
  reason TEXT,
  central_batch_id TEXT,
  -- What central answered at commit: stored, duplicate or quarantined.
  central_status TEXT,
  upload_attempts INTEGER NOT NULL DEFAULT 0,
  last_upload_error TEXT,
  pulled_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  acknowledged_at TEXT,
  CHECK (state <> 'quarantined' OR reason IS NOT NULL),
  CHECK (state <> 'acknowledged' OR central_batch_id IS NOT NULL)
) STRICT;

CREATE INDEX drops_by_state ON drops (state, pulled_at);

CREATE TABLE remote_files (
  ride TEXT NOT NULL,
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  -- new_drop: this file became the drop; duplicate: its content was already buffered.
  outcome TEXT NOT NULL CHECK (outcome IN ('new_drop', 'duplicate')),
  drop_sha256 TEXT NOT NULL REFERENCES drops (sha256),
  seen_at TEXT NOT NULL,
  PRIMARY KEY (ride, name)
) STRICT;

CREATE INDEX remote_files_by_drop ON remote_files (drop_sha256);
`,
};
