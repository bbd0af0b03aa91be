-- Up Migration

-- A ride's figures per park-local day, kept so that a ride page of a year adds up 366 rows
-- instead of cutting a year of cycles into hours and sorting its peaks (0.4–0.8 s a view).
-- Derived data: any row may be removed at any time and is computed again when asked for.
-- `deps` is a fingerprint of every batch row the day's figures were computed from (see
-- central/src/dashboard/ride-day-store.ts); a row is used only while the fingerprint of the
-- ride's data now is the same.
CREATE TABLE ride_day_figures (
  park_id text NOT NULL,
  ride_id text NOT NULL,
  -- The zone the day is a day of: the park's, when it was computed.
  timezone text NOT NULL,
  day date NOT NULL,
  deps text NOT NULL,
  -- Hours with data, alarm occurrences active in the day, and the channels measured.
  figures jsonb NOT NULL,
  -- Per channel of `figures`, in its order: the cycles' peaks as big-endian float8, ascending.
  peaks bytea NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (park_id, ride_id, timezone, day),
  FOREIGN KEY (park_id, ride_id) REFERENCES rides (park_id, id) ON DELETE CASCADE
);

-- Down Migration
DROP TABLE ride_day_figures;
