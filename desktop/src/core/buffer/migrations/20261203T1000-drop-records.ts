import type { Migration } from './migration.ts';

/**
 * Each drop record gets an id of its own (issue 14, rules R1 and R2):
 *
 * - R1, a verdict belongs to a file name and its bytes together. The same bytes may now be
 *   recorded twice: once as a valid drop (under a canonical name) and once or more as
 *   quarantined files (under names the verifier refused). Valid drops stay unique by SHA-256
 *   and content id; a quarantined record is unique by (ride, file name, SHA-256). Remote
 *   files point at the record by id, so deleting one quarantined file touches that file only.
 *   A blob on disk may serve several records; it goes when the last one does.
 * - R2, revisions reach central in the order the agent recorded them. The id counts up in
 *   that order, never repeats (AUTOINCREMENT) and never changes (VACUUM renumbers only
 *   implicit rowids), unlike `pulled_at`, which follows the wall clock. Existing drops get
 *   ids in their old upload order (pull time, then row).
 */
export const dropRecords: Migration = {
  id: '20261203T1000-drop-records',
  rebuildsTables: true,
  sql: `
CREATE TABLE drops_next (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
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
  rejections INTEGER NOT NULL DEFAULT 0,
  blob_evicted_at TEXT CHECK (blob_evicted_at IS NULL OR state = 'acknowledged'),
  CHECK (state NOT IN ('quarantined', 'rejected') OR reason IS NOT NULL),
  CHECK (state <> 'acknowledged' OR central_batch_id IS NOT NULL),
  -- A quarantined file's content is not trusted, so it is never anyone's content id.
  CHECK (state <> 'quarantined' OR content_id IS NULL)
) STRICT;

INSERT INTO drops_next (id, sha256, content_id, ride, file_name, sequence, window_start,
  window_end, bytes, state, reason_code, reason, central_batch_id, central_status,
  upload_attempts, last_upload_error, pulled_at, updated_at, acknowledged_at, rejections,
  blob_evicted_at)
SELECT row_number() OVER (ORDER BY pulled_at, rowid), sha256,
  CASE WHEN state = 'quarantined' THEN NULL ELSE content_id END, ride, file_name, sequence,
  window_start, window_end, bytes, state, reason_code, reason, central_batch_id,
  central_status, upload_attempts, last_upload_error, pulled_at, updated_at, acknowledged_at,
  rejections, blob_evicted_at
FROM drops;

CREATE TABLE remote_files_next (
  ride TEXT NOT NULL,
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  -- new_drop: this file became the record; duplicate: its drop was already recorded.
  outcome TEXT NOT NULL CHECK (outcome IN ('new_drop', 'duplicate')),
  drop_id INTEGER NOT NULL REFERENCES drops (id),
  seen_at TEXT NOT NULL,
  PRIMARY KEY (ride, name)
) STRICT;

INSERT INTO remote_files_next (ride, name, size, mtime_ms, outcome, drop_id, seen_at)
SELECT f.ride, f.name, f.size, f.mtime_ms, f.outcome, d.id, f.seen_at
FROM remote_files f JOIN drops_next d ON d.sha256 = f.drop_sha256;

DROP TABLE remote_files;
DROP TABLE drops;
ALTER TABLE drops_next RENAME TO drops;
ALTER TABLE remote_files_next RENAME TO remote_files;

CREATE INDEX drops_by_sha ON drops (sha256);
CREATE UNIQUE INDEX drops_valid_by_sha ON drops (sha256) WHERE state <> 'quarantined';
CREATE UNIQUE INDEX drops_quarantined_by_file ON drops (ride, file_name, sha256)
  WHERE state = 'quarantined';
CREATE INDEX drops_waiting ON drops (id) WHERE state IN ('buffered', 'uploading');
CREATE INDEX drops_by_state ON drops (state, pulled_at);
CREATE INDEX drops_by_pull ON drops (pulled_at);
CREATE INDEX drops_by_acknowledgement ON drops (acknowledged_at) WHERE blob_evicted_at IS NULL;
CREATE INDEX remote_files_by_drop ON remote_files (drop_id);
`,
};
