-- Up Migration

-- People who use the dashboard. The password is kept as an scrypt hash with its own salt and
-- the cost parameters it was made with, so the parameters can be raised later without
-- invalidating existing passwords (a login re-hashes with the current ones).
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._@-]{0,127}$'),
  role text NOT NULL CHECK (role IN ('admin', 'viewer')),
  password_hash bytea NOT NULL,
  password_salt bytea NOT NULL,
  scrypt_n integer NOT NULL CHECK (scrypt_n > 1),
  scrypt_r integer NOT NULL CHECK (scrypt_r > 0),
  scrypt_p integer NOT NULL CHECK (scrypt_p > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now()
);

-- A signed-in browser. Only the SHA-256 of the cookie value is stored (a database leak does
-- not hand out sessions); the CSRF token is not a credential on its own and is kept as is.
CREATE TABLE sessions (
  id_sha256 text PRIMARY KEY CHECK (id_sha256 ~ '^[0-9a-f]{64}$'),
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Dashboard reads: drops newest first (fleet-wide and per park, keyset on received_at, id),
-- today's counts and last upload per park, current failures.
CREATE INDEX batches_park_received_idx ON batches (park_id, received_at DESC, id DESC);
CREATE INDEX batches_received_idx ON batches (received_at DESC, id DESC);
CREATE INDEX batches_failed_idx ON batches (updated_at DESC) WHERE state = 'failed';
-- Job runs newest first, and the runs still open (running count, stuck-job sweeper).
CREATE INDEX job_runs_id_desc_idx ON job_runs (id DESC);
CREATE INDEX job_runs_open_idx ON job_runs (started_at) WHERE ended_at IS NULL;
-- Fleet availability today: a park's hours across all rides.
CREATE INDEX hourly_park_hour_idx ON hourly_aggregates (park_id, hour_start);
-- Reports newest first across parks; the ones in flight for the stuck-job sweeper.
CREATE INDEX reports_requested_idx ON reports (requested_at DESC, id DESC);
CREATE INDEX reports_in_flight_idx ON reports (state) WHERE state IN ('queued', 'running');

-- When a rule was last switched on or off: missed firings are made up only from then on.
ALTER TABLE report_rules ADD COLUMN enabled_changed_at timestamptz NOT NULL DEFAULT now();

-- Down Migration
ALTER TABLE report_rules DROP COLUMN enabled_changed_at;
DROP INDEX reports_in_flight_idx, reports_requested_idx, hourly_park_hour_idx, job_runs_open_idx,
  job_runs_id_desc_idx, batches_failed_idx, batches_received_idx, batches_park_received_idx;
DROP TABLE sessions, users;
