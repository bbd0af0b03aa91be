-- Up Migration

-- Each park's drops per park-local day and state, for the fleet page's "today", without reading
-- the day's batches of every park on each refresh: at a thousand parks that read was the
-- largest part of the fleet page (106–140 ms of PostgreSQL, every 5 s while anyone watches, on
-- the two cores the puts share; docs/performance.md). A drop a revision replaced is not
-- counted, as the page has always counted.
--
-- Kept as batch_state_counts is: statement triggers append (day, park, state, ±n) rows to
-- park_day_state_changes in the writer's own transaction (inserts only: no writer waits on
-- another over a counter row), and the maintenance loop folds them into park_day_states every
-- minute (batches/park-day-states.ts). A reader sums both.
--
-- The day is the date of received_at in the park's zone. When a park moves zone its rows are
-- counted again from its batches. So that no drop stays keyed by the old zone, every writer
-- takes a shared advisory lock per park (class 0x5a5204, the park's hashtext) before it reads
-- the zone, and a zone change takes it exclusively before it recounts; both hold it to commit.
CREATE TABLE park_day_states (
  day date NOT NULL,
  park_id text NOT NULL,
  state text NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (day, park_id, state)
);
-- Rows a fold brought to zero (mostly the passing states, stored to processing, once the
-- drops have moved on), found without a scan.
CREATE INDEX park_day_states_zero_idx ON park_day_states (day) WHERE n = 0;

CREATE TABLE park_day_state_changes (
  day date NOT NULL,
  park_id text NOT NULL,
  state text NOT NULL,
  n bigint NOT NULL
);
-- A reader takes a day or two of changes; a stalled fold must not turn that into a scan.
CREATE INDEX park_day_state_changes_day_idx ON park_day_state_changes (day);

CREATE FUNCTION park_day_states_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(x'5a5204'::int, hashtext(park_id))
     FROM (SELECT DISTINCT park_id FROM park_day_new ORDER BY park_id) p;
  -- A statement of its own after the lock: it reads the zone as committed now.
  INSERT INTO park_day_state_changes (day, park_id, state, n)
  SELECT (b.received_at AT TIME ZONE p.timezone)::date, b.park_id, b.state, count(*)
    FROM park_day_new b JOIN parks p ON p.id = b.park_id
   WHERE b.superseded_by IS NULL
   GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

CREATE FUNCTION park_day_states_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(x'5a5204'::int, hashtext(park_id))
     FROM (SELECT park_id FROM park_day_new UNION SELECT park_id FROM park_day_old
            ORDER BY park_id) p;
  INSERT INTO park_day_state_changes (day, park_id, state, n)
  SELECT (d.received_at AT TIME ZONE p.timezone)::date, d.park_id, d.state, sum(d.n)
    FROM (SELECT park_id, received_at, state, 1 AS n FROM park_day_new
           WHERE superseded_by IS NULL
          UNION ALL
          SELECT park_id, received_at, state, -1 FROM park_day_old
           WHERE superseded_by IS NULL) d
    JOIN parks p ON p.id = d.park_id
   GROUP BY 1, 2, 3 HAVING sum(d.n) <> 0;
  RETURN NULL;
END $$;

CREATE FUNCTION park_day_states_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(x'5a5204'::int, hashtext(park_id))
     FROM (SELECT DISTINCT park_id FROM park_day_old ORDER BY park_id) p;
  INSERT INTO park_day_state_changes (day, park_id, state, n)
  SELECT (b.received_at AT TIME ZONE p.timezone)::date, b.park_id, b.state, -count(*)
    FROM park_day_old b JOIN parks p ON p.id = b.park_id
   WHERE b.superseded_by IS NULL
   GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

CREATE FUNCTION park_day_states_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM park_day_state_changes;
  DELETE FROM park_day_states;
  RETURN NULL;
END $$;

-- Before the row changes: waits for every writer of the park's drops to commit, and keeps new
-- ones from reading the zone until this transaction ends.
CREATE FUNCTION park_day_states_zone_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(x'5a5204'::int, hashtext(NEW.id));
  RETURN NEW;
END $$;

-- A park's days in its new zone, counted afresh from its batches (the delete reads the whole
-- table: a zone changes rarely, by an operator).
CREATE FUNCTION park_day_states_recounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM park_day_state_changes WHERE park_id = NEW.id;
  DELETE FROM park_day_states WHERE park_id = NEW.id;
  INSERT INTO park_day_states (day, park_id, state, n)
  SELECT (received_at AT TIME ZONE NEW.timezone)::date, park_id, state, count(*)
    FROM batches WHERE park_id = NEW.id AND superseded_by IS NULL
   GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

-- The starting counts and the triggers in one transaction, with writers held off meanwhile.
LOCK TABLE batches IN SHARE ROW EXCLUSIVE MODE;
LOCK TABLE parks IN SHARE ROW EXCLUSIVE MODE;

-- A park whose zone PostgreSQL's zone data lacks (a name Node still knows and Debian dropped)
-- would stop this migration with a bare "not recognized": say which park and what to do.
DO $$
DECLARE
  p record;
BEGIN
  FOR p IN SELECT id, timezone FROM parks LOOP
    BEGIN
      PERFORM now() AT TIME ZONE p.timezone;
    EXCEPTION WHEN invalid_parameter_value THEN
      RAISE EXCEPTION 'park "%" has the time zone "%", which PostgreSQL does not know', p.id, p.timezone
        USING HINT = 'Set it to the zone''s current name (UPDATE parks SET timezone = ... WHERE id = ...), then start central again.';
    END;
  END LOOP;
END $$;
INSERT INTO park_day_states (day, park_id, state, n)
SELECT (b.received_at AT TIME ZONE p.timezone)::date, b.park_id, b.state, count(*)
  FROM batches b JOIN parks p ON p.id = b.park_id
 WHERE b.superseded_by IS NULL
 GROUP BY 1, 2, 3;

CREATE TRIGGER park_day_states_inserted AFTER INSERT ON batches
  REFERENCING NEW TABLE AS park_day_new
  FOR EACH STATEMENT EXECUTE FUNCTION park_day_states_inserted();
-- Every update (PostgreSQL allows no column list beside transition tables); one that changes
-- no state, supersession or time sums to nothing and appends nothing.
CREATE TRIGGER park_day_states_updated AFTER UPDATE ON batches
  REFERENCING OLD TABLE AS park_day_old NEW TABLE AS park_day_new
  FOR EACH STATEMENT EXECUTE FUNCTION park_day_states_updated();
CREATE TRIGGER park_day_states_deleted AFTER DELETE ON batches
  REFERENCING OLD TABLE AS park_day_old
  FOR EACH STATEMENT EXECUTE FUNCTION park_day_states_deleted();
CREATE TRIGGER park_day_states_truncated AFTER TRUNCATE ON batches
  FOR EACH STATEMENT EXECUTE FUNCTION park_day_states_truncated();
CREATE TRIGGER park_day_states_zone_locked BEFORE UPDATE OF timezone ON parks
  FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone)
  EXECUTE FUNCTION park_day_states_zone_locked();
CREATE TRIGGER park_day_states_recounted AFTER UPDATE OF timezone ON parks
  FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone)
  EXECUTE FUNCTION park_day_states_recounted();

-- Down Migration
DROP TRIGGER park_day_states_recounted ON parks;
DROP TRIGGER park_day_states_zone_locked ON parks;
DROP TRIGGER park_day_states_truncated ON batches;
DROP TRIGGER park_day_states_deleted ON batches;
DROP TRIGGER park_day_states_updated ON batches;
DROP TRIGGER park_day_states_inserted ON batches;
DROP FUNCTION park_day_states_recounted(), park_day_states_zone_locked(),
  park_day_states_truncated(), park_day_states_deleted(), park_day_states_updated(),
  park_day_states_inserted();
DROP TABLE park_day_state_changes;
DROP TABLE park_day_states;
