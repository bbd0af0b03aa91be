-- Up Migration

-- The outbox claim (queue/outbox-claim.ts) holds each park's postprocess rows beyond its share
-- of the queue. It found a row's park by joining every unpublished row to its batch and
-- ranking them per park, so a park catching up, with thousands of rows held, made every claim
-- (one after each commit) read them all: 10–14 ms at 5,000 held rows, 29–54 ms at 20,000.
-- With the park on the row and in a partial index, a claim reads the first few rows of each
-- park waiting and no more.
ALTER TABLE outbox ADD COLUMN park_id text;

-- Set on insert from the batch, whoever inserts: the stored drop's commit (record_stored_drop),
-- a retry, the stuck-job sweeper and a job's own re-queue all insert postprocess rows. A row
-- whose batch does not exist (gone before its message), or whose message id is not a batch id
-- at all, has no park and is never held: the insert it is part of must not fail for it.
CREATE FUNCTION outbox_batch_id(message_id text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN message_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              THEN message_id::uuid END
$$;
CREATE FUNCTION outbox_park() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.queue = 'postprocess' THEN
    NEW.park_id := (SELECT park_id FROM batches WHERE id = outbox_batch_id(NEW.message_id));
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER outbox_park BEFORE INSERT ON outbox
  FOR EACH ROW EXECUTE FUNCTION outbox_park();

-- Rows published already are never claimed again: only the waiting ones need their park
-- (each found by the batches' primary key).
UPDATE outbox o SET park_id = b.park_id
  FROM batches b
 WHERE o.published_at IS NULL AND o.queue = 'postprocess'
   AND b.id = outbox_batch_id(o.message_id);

CREATE INDEX outbox_unpublished_park_idx ON outbox (park_id, id) WHERE published_at IS NULL;

-- Down Migration
DROP INDEX outbox_unpublished_park_idx;
DROP TRIGGER outbox_park ON outbox;
DROP FUNCTION outbox_park();
DROP FUNCTION outbox_batch_id(text);
ALTER TABLE outbox DROP COLUMN park_id;
