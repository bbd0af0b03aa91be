-- Up Migration

-- Indexes found by reports/query-plans.test.ts (every dashboard, park-API and report read,
-- EXPLAINed against a seeded fleet) and measured by bench/central/fleet.ts: without them each
-- of these reads scans a table that grows with every drop of every park (docs/performance.md,
-- "Fleet scale").

-- Figures (reports/figures/live-content.ts) read the live batches whose window touches a
-- period: by park and window end, so a park's today or last month does not read its year.
CREATE INDEX batches_live_window_end_idx ON batches (park_id, window_end)
  WHERE superseded_by IS NULL AND content_id IS NOT NULL;

-- A drop's page lists the drops it replaced.
CREATE INDEX batches_superseded_by_idx ON batches (superseded_by) WHERE superseded_by IS NOT NULL;

-- Job runs by outcome, newest first (failed, retrying, abandoned are rare; succeeded is the
-- rest, found at once by the id index).
CREATE INDEX job_runs_outcome_id_idx ON job_runs (outcome, id) WHERE outcome <> 'succeeded';

-- Failed reports, most recently finished first (the failures page).
CREATE INDEX reports_failed_idx ON reports (finished_at DESC NULLS LAST, id DESC)
  WHERE state = 'failed';

-- Down Migration
DROP INDEX reports_failed_idx, job_runs_outcome_id_idx, batches_superseded_by_idx,
  batches_live_window_end_idx;
