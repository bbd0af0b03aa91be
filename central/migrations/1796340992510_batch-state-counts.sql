-- Up Migration

-- Batches by state (dashboard.queues, /metrics zra_batches) without counting every batch:
-- `SELECT state, count(*) FROM batches GROUP BY state` reads the whole table on every scrape
-- and page view, and a fleet of a thousand parks adds some 50 million batches a year
-- (docs/performance.md, "Fleet scale").
--
-- Statement triggers append what each statement changed, as (state, +n / -n) rows, in the
-- statement's own transaction; the count of a state is the sum of its rows. Only inserts, so
-- concurrent commits and workers never wait on each other or deadlock over a counter row.
-- The maintenance loop of every `serve` folds the rows into one per state every minute
-- (retention/maintenance.ts), in one statement, so a reader sums a handful of rows.
CREATE TABLE batch_state_counts (
  state text NOT NULL,
  n bigint NOT NULL
);

CREATE FUNCTION batch_state_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO batch_state_counts (state, n)
  SELECT state, count(*) FROM batch_state_new GROUP BY state;
  RETURN NULL;
END $$;

CREATE FUNCTION batch_state_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO batch_state_counts (state, n)
  SELECT state, sum(n) FROM (SELECT state, 1 AS n FROM batch_state_new
                             UNION ALL SELECT state, -1 FROM batch_state_old) d
   GROUP BY state HAVING sum(n) <> 0;
  RETURN NULL;
END $$;

CREATE FUNCTION batch_state_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO batch_state_counts (state, n)
  SELECT state, -count(*) FROM batch_state_old GROUP BY state;
  RETURN NULL;
END $$;

CREATE FUNCTION batch_state_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM batch_state_counts;
  RETURN NULL;
END $$;

-- The starting counts and the triggers in one transaction, with writers held off meanwhile.
LOCK TABLE batches IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO batch_state_counts (state, n) SELECT state, count(*) FROM batches GROUP BY state;

CREATE TRIGGER batch_state_counts_inserted AFTER INSERT ON batches
  REFERENCING NEW TABLE AS batch_state_new
  FOR EACH STATEMENT EXECUTE FUNCTION batch_state_counts_inserted();
CREATE TRIGGER batch_state_counts_updated AFTER UPDATE ON batches
  REFERENCING OLD TABLE AS batch_state_old NEW TABLE AS batch_state_new
  FOR EACH STATEMENT EXECUTE FUNCTION batch_state_counts_updated();
CREATE TRIGGER batch_state_counts_deleted AFTER DELETE ON batches
  REFERENCING OLD TABLE AS batch_state_old
  FOR EACH STATEMENT EXECUTE FUNCTION batch_state_counts_deleted();
CREATE TRIGGER batch_state_counts_truncated AFTER TRUNCATE ON batches
  FOR EACH STATEMENT EXECUTE FUNCTION batch_state_counts_truncated();

-- Down Migration
DROP TRIGGER batch_state_counts_truncated ON batches;
DROP TRIGGER batch_state_counts_deleted ON batches;
DROP TRIGGER batch_state_counts_updated ON batches;
DROP TRIGGER batch_state_counts_inserted ON batches;
DROP FUNCTION batch_state_counts_truncated(), batch_state_counts_deleted(),
  batch_state_counts_updated(), batch_state_counts_inserted();
DROP TABLE batch_state_counts;
