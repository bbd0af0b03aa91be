-- Up Migration

-- The per-park quota (ingest/park-quota.ts) counts the bytes of the park's drops whose files
-- central still keeps: those received after the blob retention sweeper's cursor, and the
-- quarantined ones before it (the sweeper keeps those). By park and time of receipt, with the
-- bytes in the index, so the sum of the kept range reads the index only.
CREATE INDEX batches_park_kept_bytes_idx ON batches (park_id, received_at, id) INCLUDE (bytes);
DROP INDEX batches_park_bytes_idx;

-- Down Migration
CREATE INDEX batches_park_bytes_idx ON batches (park_id) INCLUDE (bytes);
DROP INDEX batches_park_kept_bytes_idx;
