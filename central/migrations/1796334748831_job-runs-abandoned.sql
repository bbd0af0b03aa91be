-- Up Migration

-- A job run that never recorded an end (its worker was killed, evicted or crashed) is closed
-- as `abandoned`, with when (ended_at) and why (error), by the next attempt of the same
-- subject, the dead-letter check or the stuck-job sweeper. An abandoned run is not one of the
-- job's attempts: only the job's own failures (`retrying`, `failed`) count.
ALTER TABLE job_runs DROP CONSTRAINT job_runs_outcome_check;
ALTER TABLE job_runs
  ADD CONSTRAINT job_runs_outcome_check
    CHECK (outcome IN ('succeeded', 'retrying', 'failed', 'abandoned'));

-- The stable code of a failed attempt (the job's own, e.g. `unknown_ride_model`, or central's,
-- e.g. `timeout`), beside the sentence for people in `error`.
ALTER TABLE job_runs ADD COLUMN error_code text;
ALTER TABLE reports ADD COLUMN error_code text;

-- Down Migration
ALTER TABLE reports DROP COLUMN error_code;
ALTER TABLE job_runs DROP COLUMN error_code;
UPDATE job_runs SET outcome = 'failed' WHERE outcome = 'abandoned';
ALTER TABLE job_runs DROP CONSTRAINT job_runs_outcome_check;
ALTER TABLE job_runs
  ADD CONSTRAINT job_runs_outcome_check CHECK (outcome IN ('succeeded', 'retrying', 'failed'));
