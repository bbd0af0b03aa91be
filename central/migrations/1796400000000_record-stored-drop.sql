-- Up Migration

-- The commit of a stored drop (ingest/commit-drop.ts, `recordDrop`) as one statement. It was a
-- transaction of nine (BEGIN, the ride's lock, the live batch's row lock, the ride, the batch,
-- the supersede, the outbox row, the upload row, COMMIT), each a round trip that cost the API
-- process a socket write: at 50 Hz drops the statements were a fifth of its CPU, and every
-- round trip is waited for inside the park's commit. The order and locks are the same as
-- before; a volatile function takes a new snapshot for each statement, so what follows the
-- ride's lock sees every commit that lock waited for. A caller with more to do in the same
-- transaction (central pull's file record) calls it inside its own.

-- Serialises the commits of one ride until the transaction ends, so that of two revisions of
-- one ride-window committed at once the later sees the earlier and replaces it. The
-- two-integer form, in a key space of its own, cannot meet a single-bigint lock such as
-- node-pg-migrate's. The late refusal of a stored drop takes the same lock.
CREATE FUNCTION lock_ride_commits(p_park_id text, p_ride_id text) RETURNS void
LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(5919233, hashtext(p_park_id || '/' || p_ride_id))
$$;

CREATE FUNCTION record_stored_drop(
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

-- Down Migration
DROP FUNCTION record_stored_drop(uuid, text, text, bigint, text, text, text, text, text, bigint,
  timestamptz, timestamptz, text, jsonb, uuid);
DROP FUNCTION lock_ride_commits(text, text);
