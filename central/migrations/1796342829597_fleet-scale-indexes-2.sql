-- Up Migration

-- Second round of bench/central/fleet.ts at a thousand parks (docs/performance.md, "Fleet scale").

-- The fleet page counts each park's failed drops: by park, not by walking every failed drop
-- of the fleet once per park.
CREATE INDEX batches_park_failed_idx ON batches (park_id)
  WHERE state = 'failed' AND superseded_by IS NULL;

-- The park page shows each ride's latest window end.
CREATE INDEX batches_ride_window_end_idx ON batches (park_id, ride_id, window_end);

-- Figures count a cycle once per (ride, cycle id): the probe for other versions of a cycle
-- reads batch, ordinal and start from the index, without fetching the (wide) cycle rows.
CREATE INDEX cycles_versions_idx ON cycles (park_id, ride_id, cycle_id)
  INCLUDE (batch_id, ordinal, start_at);
DROP INDEX cycles_ride_cycle_idx;

-- Central's queries are short and many; compiling them (JIT) costs more than it saves: about
-- 40 ms on each figure query of a dashboard page, measured at a thousand parks.
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET jit = off', current_database()); END $$;

-- Down Migration
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET jit', current_database()); END $$;
CREATE INDEX cycles_ride_cycle_idx ON cycles (park_id, ride_id, cycle_id);
DROP INDEX cycles_versions_idx;
DROP INDEX batches_ride_window_end_idx;
DROP INDEX batches_park_failed_idx;
