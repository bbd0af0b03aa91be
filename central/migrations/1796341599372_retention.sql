-- Up Migration

-- How far the retention sweeper (retention/retention-sweeper.ts) has come. It walks batches in
-- the order they were received: every batch received before (cursor_at, cursor_id) has had
-- its per-cycle rows (`cycles`) or its zip file (`blobs`) removed. removed_before is the end of
-- the latest window whose rows are gone: a figure of a period starting before it would be
-- incomplete, so report requests for such periods are refused. Hourly aggregates, alarms and
-- the batches themselves are kept.
CREATE TABLE retention_state (
  what text PRIMARY KEY CHECK (what IN ('cycles', 'blobs')),
  cursor_at timestamptz NOT NULL,
  cursor_id uuid NOT NULL,
  removed_before timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE retention_state;
