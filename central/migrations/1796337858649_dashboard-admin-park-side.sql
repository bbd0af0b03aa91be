-- Up Migration

-- Park-side problems an agent reports with its heartbeat (optional fields: an older agent
-- leaves them null, and the dashboard then says the agent does not report them).
--   rides: [{"id", "lastPullAt", "lastSuccessAt", "lastError", "pausedReason", "hostKeyChanged"}]
--   quarantined_drops / quarantine_latest_at: drops the agent keeps aside as invalid.
ALTER TABLE agent_heartbeats
  ADD COLUMN rides jsonb CHECK (rides IS NULL OR jsonb_typeof(rides) = 'array'),
  ADD COLUMN quarantined_drops integer CHECK (quarantined_drops >= 0),
  ADD COLUMN quarantine_latest_at timestamptz;

-- A disabled park keeps its data and shows in the dashboard, but its tokens are refused and
-- its report rules do not fire. Only a park with no drops and no reports can be deleted.
ALTER TABLE parks ADD COLUMN disabled_at timestamptz;

-- Tokens get a label people recognise ("Gardaland access node") and the time central last
-- accepted them (written at most once a minute per token, so ingest does not write per chunk).
ALTER TABLE park_tokens
  ADD COLUMN label text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
  ADD COLUMN last_used_at timestamptz;

-- A disabled user cannot sign in and has no sessions; the row stays (who did what).
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- Deleting a report rule deletes its firing records (the reports they queued stay).
ALTER TABLE report_firings DROP CONSTRAINT report_firings_rule_id_fkey;
ALTER TABLE report_firings
  ADD CONSTRAINT report_firings_rule_id_fkey
    FOREIGN KEY (rule_id) REFERENCES report_rules (id) ON DELETE CASCADE;

-- Down Migration
ALTER TABLE report_firings DROP CONSTRAINT report_firings_rule_id_fkey;
ALTER TABLE report_firings
  ADD CONSTRAINT report_firings_rule_id_fkey FOREIGN KEY (rule_id) REFERENCES report_rules (id);
ALTER TABLE users DROP COLUMN disabled_at;
ALTER TABLE park_tokens DROP COLUMN last_used_at, DROP COLUMN label;
ALTER TABLE parks DROP COLUMN disabled_at;
ALTER TABLE agent_heartbeats
  DROP COLUMN quarantine_latest_at, DROP COLUMN quarantined_drops, DROP COLUMN rides;
