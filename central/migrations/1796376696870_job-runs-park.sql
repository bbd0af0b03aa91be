-- Up Migration

-- The dashboard's job runs of one park: the park of a run is its subject's (batch, report or
-- download request), and filtering on that walked the fleet's runs newest first until a page
-- of the park's turned up (1.6 s at a thousand parks, all of them for a park with none). The
-- run keeps its park, filled from the subject as the row is written, so the filter is one
-- range of an index.
ALTER TABLE job_runs ADD COLUMN park_id text;

CREATE FUNCTION job_runs_set_park() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.park_id IS NULL THEN
    NEW.park_id := CASE NEW.type
      WHEN 'postprocess' THEN (SELECT park_id FROM batches WHERE id = NEW.subject)
      WHEN 'report' THEN (SELECT park_id FROM reports WHERE id = NEW.subject)
      WHEN 'download' THEN (SELECT park_id FROM download_requests WHERE id = NEW.subject)
    END;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER job_runs_set_park BEFORE INSERT ON job_runs
  FOR EACH ROW EXECUTE FUNCTION job_runs_set_park();

UPDATE job_runs j SET park_id = CASE j.type
    WHEN 'postprocess' THEN (SELECT park_id FROM batches WHERE id = j.subject)
    WHEN 'report' THEN (SELECT park_id FROM reports WHERE id = j.subject)
    WHEN 'download' THEN (SELECT park_id FROM download_requests WHERE id = j.subject)
  END;

CREATE INDEX job_runs_park_idx ON job_runs (park_id, id);

-- Down Migration
DROP INDEX job_runs_park_idx;
DROP TRIGGER job_runs_set_park ON job_runs;
DROP FUNCTION job_runs_set_park();
ALTER TABLE job_runs DROP COLUMN park_id;
