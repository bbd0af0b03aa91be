-- Up Migration

-- A park is a customer site; its id is the slug used in drop file names.
CREATE TABLE parks (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text NOT NULL CHECK (name <> ''),
  timezone text NOT NULL,
  language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'it')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Only the SHA-256 of a token is kept: a database leak does not hand out upload rights.
CREATE TABLE park_tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  park_id text NOT NULL REFERENCES parks (id),
  token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX park_tokens_park_idx ON park_tokens (park_id);

-- Rides appear with a park's first drop for them; name starts as the id until someone edits it.
CREATE TABLE rides (
  park_id text NOT NULL REFERENCES parks (id),
  id text NOT NULL,
  model text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (park_id, id)
);

-- An upload in progress; the row goes away when the upload is committed.
CREATE TABLE uploads (
  id uuid PRIMARY KEY,
  park_id text NOT NULL REFERENCES parks (id),
  sha256 text NOT NULL,
  content_id text NOT NULL,
  bytes bigint NOT NULL CHECK (bytes > 0),
  received_bytes bigint NOT NULL DEFAULT 0 CHECK (received_bytes >= 0 AND received_bytes <= bytes),
  file_name text NOT NULL,
  temp_path text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- The same zip from the same park resumes the same upload.
  UNIQUE (park_id, sha256)
);

CREATE TABLE batches (
  id uuid PRIMARY KEY,
  park_id text NOT NULL REFERENCES parks (id),
  -- Null only for quarantined drops whose manifest could not be trusted.
  ride_id text,
  sequence bigint,
  window_start timestamptz,
  window_end timestamptz,
  sha256 text NOT NULL,
  -- The verified content id; null for quarantined drops (their content is not trusted).
  content_id text,
  bytes bigint NOT NULL,
  file_name text NOT NULL,
  blob_path text NOT NULL,
  state text NOT NULL CHECK (
    state IN ('stored', 'queued', 'processing', 'processed', 'failed', 'quarantined')
  ),
  error_code text,
  error text,
  -- A later drop with the same park, ride, window and sequence but other content replaces this one.
  superseded_by uuid REFERENCES batches (id),
  received_at timestamptz NOT NULL DEFAULT now(),
  queued_at timestamptz,
  processed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT batches_park_content_key UNIQUE (park_id, content_id),
  FOREIGN KEY (park_id, ride_id) REFERENCES rides (park_id, id),
  CHECK ((state = 'quarantined') = (content_id IS NULL))
);
-- Re-sending the same invalid zip finds the earlier quarantined batch instead of adding one.
CREATE UNIQUE INDEX batches_quarantined_sha_key ON batches (park_id, sha256) WHERE content_id IS NULL;
CREATE INDEX batches_ride_window_idx ON batches (park_id, ride_id, window_start, sequence);
CREATE INDEX batches_state_idx ON batches (state, updated_at);

-- Messages to publish, written in the same transaction as the change that needs them.
CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue text NOT NULL CHECK (queue IN ('postprocess', 'report')),
  message jsonb NOT NULL,
  message_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

-- One row per attempt of a job; /metrics and the dashboard read job history from here.
CREATE TABLE job_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('postprocess', 'report')),
  subject uuid NOT NULL,
  attempt integer NOT NULL CHECK (attempt >= 1),
  worker text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  -- Null while running; 'retrying' = failed but will be delivered again.
  outcome text CHECK (outcome IN ('succeeded', 'retrying', 'failed')),
  error text
);
CREATE INDEX job_runs_subject_idx ON job_runs (subject, started_at);
CREATE INDEX job_runs_type_started_idx ON job_runs (type, started_at);

-- Post-processing results, owned by their batch: replaced as a whole on every run.
CREATE TABLE cycles (
  batch_id uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  park_id text NOT NULL,
  ride_id text NOT NULL,
  cycle_id text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  mode text NOT NULL,
  outcome text NOT NULL,
  riders integer NOT NULL,
  duration_s double precision NOT NULL,
  channels jsonb NOT NULL,
  -- The postprocessor reports duplicate cycle ids as quality findings, so ordinal keeps both.
  ordinal integer NOT NULL,
  PRIMARY KEY (batch_id, ordinal)
);
CREATE INDEX cycles_ride_start_idx ON cycles (park_id, ride_id, start_at);

CREATE TABLE alarms (
  batch_id uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  park_id text NOT NULL,
  ride_id text NOT NULL,
  code text NOT NULL,
  severity text NOT NULL,
  text text NOT NULL,
  component text NOT NULL,
  raised_at timestamptz NOT NULL,
  cleared_at timestamptz,
  duration_s double precision NOT NULL,
  cycle_id text,
  PRIMARY KEY (batch_id, ordinal)
);
CREATE INDEX alarms_ride_raised_idx ON alarms (park_id, ride_id, raised_at);

CREATE TABLE breaches (
  batch_id uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  channel text NOT NULL,
  cycle_id text,
  at timestamptz NOT NULL,
  value double precision NOT NULL,
  "limit" double precision NOT NULL,
  kind text NOT NULL,
  PRIMARY KEY (batch_id, ordinal)
);

CREATE TABLE quality_findings (
  batch_id uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  kind text NOT NULL,
  channel text,
  at timestamptz NOT NULL,
  detail text NOT NULL,
  PRIMARY KEY (batch_id, ordinal)
);

CREATE TABLE hourly_aggregates (
  batch_id uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  park_id text NOT NULL,
  ride_id text NOT NULL,
  hour_start timestamptz NOT NULL,
  -- Park-local label with offset, e.g. 2026-03-29T03:00:00+02:00 (DST days have 23 or 25).
  local_hour text NOT NULL,
  cycles integer NOT NULL,
  riders integer NOT NULL,
  completed integer NOT NULL,
  aborted integer NOT NULL,
  estop integer NOT NULL,
  auto_minutes double precision NOT NULL,
  fault_minutes double precision NOT NULL,
  availability double precision NOT NULL,
  channel_stats jsonb NOT NULL,
  PRIMARY KEY (batch_id, hour_start)
);
CREATE INDEX hourly_ride_hour_idx ON hourly_aggregates (park_id, ride_id, hour_start);

CREATE TABLE reports (
  id uuid PRIMARY KEY,
  park_id text NOT NULL REFERENCES parks (id),
  -- Null for a whole-park report.
  ride_id text,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  language text NOT NULL CHECK (language IN ('en', 'it')),
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'ready', 'failed')),
  pdf_path text,
  html_path text,
  summary_path text,
  error text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  FOREIGN KEY (park_id, ride_id) REFERENCES rides (park_id, id),
  CHECK (period_start < period_end)
);
CREATE INDEX reports_park_requested_idx ON reports (park_id, requested_at);

-- Down Migration
DROP TABLE reports, hourly_aggregates, quality_findings, breaches, alarms, cycles, job_runs,
  outbox, batches, uploads, rides, park_tokens, parks;
