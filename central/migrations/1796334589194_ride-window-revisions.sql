-- Up Migration

-- The ride-window is the unit of data (docs/central.md, "Counting rule"): a later committed
-- drop for the same park, ride and window start is a revision whatever its sequence (PLCs
-- re-export with new sequence numbers), and the newest commit wins. Before this migration
-- only drops with the same sequence replaced each other, so re-exported windows were all
-- counted.

-- Commit order. received_at is the transaction's start time, which does not order two
-- commits that overlap; commit_seq is drawn while the commit holds its ride's lock
-- (ingest-service.ts), so within a ride it follows the order in which commits finished.
CREATE SEQUENCE batches_commit_seq AS bigint;
ALTER TABLE batches ADD COLUMN commit_seq bigint;
WITH ordered AS (
  SELECT id, row_number() OVER (ORDER BY received_at, id) AS n FROM batches
)
UPDATE batches b SET commit_seq = o.n FROM ordered o WHERE o.id = b.id;
SELECT setval('batches_commit_seq', coalesce((SELECT max(commit_seq) FROM batches), 0) + 1, false);
ALTER TABLE batches
  ALTER COLUMN commit_seq SET DEFAULT nextval('batches_commit_seq'),
  ALTER COLUMN commit_seq SET NOT NULL;
ALTER SEQUENCE batches_commit_seq OWNED BY batches.commit_seq;
CREATE UNIQUE INDEX batches_commit_seq_key ON batches (commit_seq);

-- Existing batches under the new rule: each valid batch is replaced by the next one committed
-- for its ride-window (a chain, as commits build it); the newest is live. A quarantined drop
-- has no trusted ride or window, so it neither replaces nor is replaced. Rows whose
-- superseded_by changes get a new updated_at, so agents polling park.drops see the change.
WITH next AS (
  SELECT id,
         lead(id) OVER (PARTITION BY park_id, ride_id, window_start ORDER BY commit_seq) AS next_id
    FROM batches
   WHERE content_id IS NOT NULL
)
UPDATE batches b SET superseded_by = n.next_id, updated_at = now()
  FROM next n
 WHERE n.id = b.id AND b.superseded_by IS DISTINCT FROM n.next_id;
UPDATE batches SET superseded_by = NULL, updated_at = now()
 WHERE content_id IS NULL AND superseded_by IS NOT NULL;

-- At most one live batch per ride-window, checked at commit time (deferred, because a
-- commit inserts the revision before it marks the batch it replaces). The ride lock taken
-- by every commit already guarantees it; this is the database's own word on it.
ALTER TABLE batches ADD CONSTRAINT batches_one_live_per_ride_window
  EXCLUDE USING btree (park_id WITH =, ride_id WITH =, window_start WITH =)
  WHERE (superseded_by IS NULL AND content_id IS NOT NULL)
  DEFERRABLE INITIALLY DEFERRED;

-- Figures count a cycle once per (ride, cycle id), the newest committed version winning:
-- finding the other versions of a cycle needs this index.
CREATE INDEX cycles_ride_cycle_idx ON cycles (park_id, ride_id, cycle_id);

-- Down Migration
DROP INDEX cycles_ride_cycle_idx;
ALTER TABLE batches DROP CONSTRAINT batches_one_live_per_ride_window;
DROP INDEX batches_commit_seq_key;
ALTER TABLE batches DROP COLUMN commit_seq;
