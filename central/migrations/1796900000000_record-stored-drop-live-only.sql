-- Up Migration

-- A stored drop's commit (record_stored_drop) ran the supersede UPDATE at every commit, though
-- most drops are the first of their ride-window: the row lock just before it had found no
-- live batch. An UPDATE of no row still fires the batches' two AFTER UPDATE statement
-- triggers (state counts and the park's days), each a query over its transition tables.
-- Measured on a 100,000-batch park, the call with the guard: 0.44 against 0.51 ms (medians of
-- 12 alternated rounds of 600 calls, round trip included; docs/performance.md, "The wire
-- phase at 72 drops a park").
CREATE OR REPLACE FUNCTION record_stored_drop(
  p_batch_id uuid,
  p_park_id text,
  p_sha256 text,
  p_bytes bigint,
  p_file_name text,
  p_blob_path text,
  p_source text,
  p_ride_id text,
  p_model text,
  p_sequence bigint,
  p_window_start timestamptz,
  p_window_end timestamptz,
  p_content_id text,
  p_message jsonb,
  p_upload_id uuid
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_live boolean;
BEGIN
  -- The upload that brought the drop goes with its commit (null: it came another way).
  IF p_upload_id IS NOT NULL THEN
    DELETE FROM uploads WHERE id = p_upload_id;
  END IF;
  PERFORM lock_ride_commits(p_park_id, p_ride_id);
  -- The live batch's row lock before the revision is inserted: a job updating that batch
  -- would otherwise deadlock with this commit (commit-drop.ts, lockLiveBatch).
  PERFORM 1 FROM batches
    WHERE park_id = p_park_id AND ride_id = p_ride_id AND window_start = p_window_start
      AND superseded_by IS NULL AND content_id IS NOT NULL
      FOR NO KEY UPDATE;
  v_live := FOUND;
  INSERT INTO rides (park_id, id, model, name) VALUES (p_park_id, p_ride_id, p_model, p_ride_id)
    ON CONFLICT (park_id, id) DO NOTHING;
  INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, source, state,
                       ride_id, sequence, window_start, window_end, content_id)
    VALUES (p_batch_id, p_park_id, p_sha256, p_bytes, p_file_name, p_blob_path, p_source,
            'stored', p_ride_id, p_sequence, p_window_start, p_window_end, p_content_id);
  -- Rule R2: every earlier live batch of the ride-window is replaced by this one. Only when
  -- the row lock above found one: each way a batch becomes live (a commit's insert, a late
  -- refusal giving the batch it had replaced back its place) holds the ride's lock, taken
  -- above, so what that lock found holds until this transaction ends; and an UPDATE of no row
  -- still fires the batches' statement triggers.
  IF v_live THEN
    UPDATE batches SET superseded_by = p_batch_id, updated_at = now()
      WHERE park_id = p_park_id AND ride_id = p_ride_id AND window_start = p_window_start
        AND id <> p_batch_id AND superseded_by IS NULL AND content_id IS NOT NULL;
  END IF;
  INSERT INTO outbox (queue, message, message_id)
    VALUES ('postprocess', p_message, p_batch_id::text);
END $$;

-- Down Migration
CREATE OR REPLACE FUNCTION record_stored_drop(
  p_batch_id uuid,
  p_park_id text,
  p_sha256 text,
  p_bytes bigint,
  p_file_name text,
  p_blob_path text,
  p_source text,
  p_ride_id text,
  p_model text,
  p_sequence bigint,
  p_window_start timestamptz,
  p_window_end timestamptz,
  p_content_id text,
  p_message jsonb,
  p_upload_id uuid
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- The upload that brought the drop goes with its commit (null: it came another way).
  IF p_upload_id IS NOT NULL THEN
    DELETE FROM uploads WHERE id = p_upload_id;
  END IF;
  PERFORM lock_ride_commits(p_park_id, p_ride_id);
  -- The live batch's row lock before the revision is inserted: a job updating that batch
  -- would otherwise deadlock with this commit (commit-drop.ts, lockLiveBatch).
  PERFORM 1 FROM batches
    WHERE park_id = p_park_id AND ride_id = p_ride_id AND window_start = p_window_start
      AND superseded_by IS NULL AND content_id IS NOT NULL
      FOR NO KEY UPDATE;
  INSERT INTO rides (park_id, id, model, name) VALUES (p_park_id, p_ride_id, p_model, p_ride_id)
    ON CONFLICT (park_id, id) DO NOTHING;
  INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, source, state,
                       ride_id, sequence, window_start, window_end, content_id)
    VALUES (p_batch_id, p_park_id, p_sha256, p_bytes, p_file_name, p_blob_path, p_source,
            'stored', p_ride_id, p_sequence, p_window_start, p_window_end, p_content_id);
  -- Rule R2: every earlier live batch of the ride-window is replaced by this one.
  UPDATE batches SET superseded_by = p_batch_id, updated_at = now()
    WHERE park_id = p_park_id AND ride_id = p_ride_id AND window_start = p_window_start
      AND id <> p_batch_id AND superseded_by IS NULL AND content_id IS NOT NULL;
  INSERT INTO outbox (queue, message, message_id)
    VALUES ('postprocess', p_message, p_batch_id::text);
END $$;
