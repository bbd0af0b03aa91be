-- Up Migration

-- The bytes each park's drops keep at central, for the park quota that every begin and put
-- checks (ingest/park-quota.ts). Summed from the park's batches by an index range, it grew with
-- the park's history: 3–16 ms of PostgreSQL at every put of a park with a year of drops
-- (docs/performance.md, "The park quota from kept counts"), where the rest of a put takes about
-- 1 ms. Kept here it is a handful of rows whatever the park's age.
--
-- A drop's file is kept while the blob sweep has not passed it (the cursor in retention_state,
-- `what = 'blobs'`), and always when it is quarantined (content_id IS NULL: the sweep leaves
-- those files). Kept as batch_state_counts is: statement triggers on batches, and a row
-- trigger on the sweep's cursor, append (park, ±bytes) rows in the writer's own transaction
-- (inserts only: no writer waits on another over a counter row); the maintenance loop folds
-- them every minute (ingest/park-kept-bytes.ts). A park's figure is the sum of its rows.
CREATE TABLE park_kept_bytes (
  park_id text NOT NULL,
  bytes bigint NOT NULL
);
CREATE INDEX park_kept_bytes_park_idx ON park_kept_bytes (park_id);
-- The quota's sum was this index's one reader: one index fewer for every commit to write.
-- (batches_park_received_idx has the same columns, descending, for the lists by park.)
DROP INDEX batches_park_kept_bytes_idx;

-- Rows inserted add their kept bytes, rows deleted take theirs off (both triggers name their
-- transition table park_kept_rows).
CREATE FUNCTION park_kept_bytes_added_or_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO park_kept_bytes (park_id, bytes)
  SELECT b.park_id, CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END * sum(b.bytes)
    FROM park_kept_rows b LEFT JOIN retention_state s ON s.what = 'blobs'
   WHERE b.content_id IS NULL OR s.what IS NULL OR (b.received_at, b.id) > (s.cursor_at, s.cursor_id)
   GROUP BY b.park_id;
  RETURN NULL;
END $$;

-- Only a change of content_id (a stored drop refused after commit becomes quarantined) or of
-- bytes can change what a batch keeps; the rest of the updates (every state change) add none.
-- Such a row adds what it keeps now and takes off what it kept before.
CREATE FUNCTION park_kept_bytes_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO park_kept_bytes (park_id, bytes)
  SELECT d.park_id, sum(d.bytes)
    FROM park_kept_new n JOIN park_kept_old o ON o.id = n.id
   CROSS JOIN LATERAL (VALUES (n.park_id, n.bytes, n.received_at, n.id, n.content_id),
                              (o.park_id, -o.bytes, o.received_at, o.id, o.content_id))
         AS d (park_id, bytes, received_at, id, content_id)
    LEFT JOIN retention_state s ON s.what = 'blobs'
   WHERE ((n.content_id IS NULL) <> (o.content_id IS NULL) OR n.bytes <> o.bytes)
     AND (d.content_id IS NULL OR s.what IS NULL
          OR (d.received_at, d.id) > (s.cursor_at, s.cursor_id))
   GROUP BY d.park_id HAVING sum(d.bytes) <> 0;
  RETURN NULL;
END $$;

CREATE FUNCTION park_kept_bytes_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM park_kept_bytes;
  RETURN NULL;
END $$;

-- The sweep's cursor moved: the files of the stored drops it passed are gone. (Moved back, or
-- its row removed, those drops count as kept again, as the quota's sum counted them.) The rows
-- are share-locked: a drop being refused meanwhile (content_id set to NULL, its file kept from
-- then on) is waited for and then left out, where a plain read would take its bytes off.
CREATE FUNCTION park_kept_bytes_swept() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_at timestamptz := '-infinity';
  was_id uuid := '00000000-0000-0000-0000-000000000000';
  now_at timestamptz := '-infinity';
  now_id uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
  IF TG_OP <> 'INSERT' THEN was_at := OLD.cursor_at; was_id := OLD.cursor_id; END IF;
  IF TG_OP <> 'DELETE' THEN now_at := NEW.cursor_at; now_id := NEW.cursor_id; END IF;
  IF (now_at, now_id) > (was_at, was_id) THEN
    INSERT INTO park_kept_bytes (park_id, bytes)
    SELECT park_id, -sum(bytes)
      FROM (SELECT park_id, bytes FROM batches
             WHERE content_id IS NOT NULL
               AND (received_at, id) > (was_at, was_id) AND (received_at, id) <= (now_at, now_id)
               FOR SHARE) passed
     GROUP BY park_id;
  ELSIF (now_at, now_id) < (was_at, was_id) THEN
    INSERT INTO park_kept_bytes (park_id, bytes)
    SELECT park_id, sum(bytes)
      FROM (SELECT park_id, bytes FROM batches
             WHERE content_id IS NOT NULL
               AND (received_at, id) > (now_at, now_id) AND (received_at, id) <= (was_at, was_id)
               FOR SHARE) passed
     GROUP BY park_id;
  END IF;
  RETURN NULL;
END $$;

-- Every park's figure counted afresh from its batches: the starting figures below, and after a
-- bulk load made with triggers off (testing/fleet-seed.ts). The caller holds writers off.
CREATE FUNCTION park_kept_bytes_recount() RETURNS void LANGUAGE sql AS $$
  DELETE FROM park_kept_bytes;
  INSERT INTO park_kept_bytes (park_id, bytes)
  SELECT b.park_id, sum(b.bytes)
    FROM batches b LEFT JOIN retention_state s ON s.what = 'blobs'
   WHERE b.content_id IS NULL OR s.what IS NULL OR (b.received_at, b.id) > (s.cursor_at, s.cursor_id)
   GROUP BY b.park_id;
$$;

-- The starting figures and the triggers in one transaction, with writers (and the sweep)
-- held off meanwhile.
LOCK TABLE batches, retention_state IN SHARE ROW EXCLUSIVE MODE;
SELECT park_kept_bytes_recount();

CREATE TRIGGER park_kept_bytes_inserted AFTER INSERT ON batches
  REFERENCING NEW TABLE AS park_kept_rows
  FOR EACH STATEMENT EXECUTE FUNCTION park_kept_bytes_added_or_removed();
CREATE TRIGGER park_kept_bytes_updated AFTER UPDATE ON batches
  REFERENCING OLD TABLE AS park_kept_old NEW TABLE AS park_kept_new
  FOR EACH STATEMENT EXECUTE FUNCTION park_kept_bytes_updated();
CREATE TRIGGER park_kept_bytes_deleted AFTER DELETE ON batches
  REFERENCING OLD TABLE AS park_kept_rows
  FOR EACH STATEMENT EXECUTE FUNCTION park_kept_bytes_added_or_removed();
CREATE TRIGGER park_kept_bytes_truncated AFTER TRUNCATE ON batches
  FOR EACH STATEMENT EXECUTE FUNCTION park_kept_bytes_truncated();
CREATE TRIGGER park_kept_bytes_swept AFTER INSERT OR UPDATE OF cursor_at, cursor_id
  ON retention_state FOR EACH ROW WHEN (NEW.what = 'blobs')
  EXECUTE FUNCTION park_kept_bytes_swept();
CREATE TRIGGER park_kept_bytes_unswept AFTER DELETE ON retention_state
  FOR EACH ROW WHEN (OLD.what = 'blobs') EXECUTE FUNCTION park_kept_bytes_swept();

-- Down Migration
DROP TRIGGER park_kept_bytes_unswept ON retention_state;
DROP TRIGGER park_kept_bytes_swept ON retention_state;
DROP TRIGGER park_kept_bytes_truncated ON batches;
DROP TRIGGER park_kept_bytes_deleted ON batches;
DROP TRIGGER park_kept_bytes_updated ON batches;
DROP TRIGGER park_kept_bytes_inserted ON batches;
DROP FUNCTION park_kept_bytes_swept(), park_kept_bytes_truncated(), park_kept_bytes_updated(),
  park_kept_bytes_added_or_removed(), park_kept_bytes_recount();
DROP TABLE park_kept_bytes;
CREATE INDEX batches_park_kept_bytes_idx ON batches (park_id, received_at, id) INCLUDE (bytes);
