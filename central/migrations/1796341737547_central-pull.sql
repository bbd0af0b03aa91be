-- Up Migration

-- Central pull (docs/central.md, "Central pull"): central itself downloads a ride's drops from
-- the park gateway on the ride's schedule, the way the system this project replaces worked,
-- and feeds them to the same commit as an agent upload.

-- Which path brought a drop: the park app's upload, or central's own pull. Content identity
-- (UNIQUE (park_id, content_id)) makes the two one: the first commit of a content wins, the
-- other path's copy is a duplicate.
ALTER TABLE batches
  ADD COLUMN source text NOT NULL DEFAULT 'app' CHECK (source IN ('app', 'central'));

ALTER TABLE outbox DROP CONSTRAINT outbox_queue_check;
ALTER TABLE outbox
  ADD CONSTRAINT outbox_queue_check CHECK (queue IN ('postprocess', 'report', 'download'));
ALTER TABLE job_runs DROP CONSTRAINT job_runs_type_check;
ALTER TABLE job_runs
  ADD CONSTRAINT job_runs_type_check CHECK (type IN ('postprocess', 'report', 'download'));

-- How central reaches one ride's gateway. No row (or mode 'app'): the park app feeds the
-- ride; a row in mode 'app' keeps the gateway settings of a ride switched back to the app. The credential (password or private key) is sealed with AES-256-GCM under
-- GATEWAY_CREDENTIALS_KEY (pull/credential-seal.ts) and never leaves central's API.
CREATE TABLE ride_sources (
  park_id text NOT NULL REFERENCES parks (id) ON DELETE CASCADE,
  ride_id text NOT NULL CHECK (ride_id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  mode text NOT NULL CHECK (mode IN ('app', 'central')),
  -- {type: 'sftp', host, port, username} | {type: 'http', url, username?, timeoutSeconds,
  -- caCertificate?}: everything but the credential and the host key.
  connection jsonb,
  credential_sealed bytea,
  remote_dir text,
  -- node-cron syntax, evaluated in the park's time zone (rule R6 on DST days).
  cron text,
  -- 'keep' | 'delete' | {"moveTo": "<folder>"}
  after_download jsonb NOT NULL DEFAULT '"keep"'::jsonb,
  min_age_s integer NOT NULL DEFAULT 60 CHECK (min_age_s BETWEEN 0 AND 86400),
  -- The accepted host key (SHA256:…), and what the gateway presented at the last contact.
  host_key_pinned text,
  host_key_presented text,
  -- Status of the latest download: when it last worked, what failed since, in words.
  last_attempt_at timestamptz,
  last_success_at timestamptz,
  last_error_code text,
  last_error text,
  consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  -- Files on the gateway central has not pulled yet, as the latest listing counted them.
  files_waiting integer CHECK (files_waiting >= 0),
  files_waiting_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (park_id, ride_id),
  -- A central-pull ride has a gateway, a folder and a schedule; the credential may be absent
  -- only for an HTTP(S) gateway without basic auth.
  CHECK (mode = 'app' OR (connection IS NOT NULL AND remote_dir IS NOT NULL AND cron IS NOT NULL))
);

-- One download of one ride: a firing of its schedule, a person's "pull now" or backfill, or
-- the rest of a listing a bounded job left for the next one. The `download` queue's messages
-- name a row; job_runs.subject is its id.
CREATE TABLE download_requests (
  id uuid PRIMARY KEY,
  park_id text NOT NULL,
  ride_id text NOT NULL,
  -- 'check' connects and lists only (the admin page's connection check): nothing is pulled.
  reason text NOT NULL CHECK (reason IN ('schedule', 'now', 'backfill', 'continue', 'check')),
  -- Backfill: files whose window starts at or after this instant, pulled even if known.
  since timestamptz,
  -- A continuation resumes after this file of the listing order (mtime, then name).
  after_mtime_ms bigint,
  after_name text,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  -- What the job did: listed, stored, duplicates, quarantined, young, failed, cleanedUp, left.
  counts jsonb,
  error_code text,
  error text,
  FOREIGN KEY (park_id, ride_id) REFERENCES ride_sources (park_id, ride_id) ON DELETE CASCADE
);
CREATE INDEX download_requests_ride_idx ON download_requests (park_id, ride_id, requested_at DESC);
-- At most one download of a ride waits to start: a firing or a "pull now" finds it and adds
-- nothing; likewise one connection check.
CREATE UNIQUE INDEX download_requests_one_waiting ON download_requests (park_id, ride_id)
  WHERE state = 'queued' AND reason IN ('schedule', 'now');
CREATE UNIQUE INDEX download_requests_one_check ON download_requests (park_id, ride_id)
  WHERE state = 'queued' AND reason = 'check';

-- One row per firing of a ride's schedule: every API replica fires every rule, the primary
-- key lets exactly one of them queue the download (as report_firings does for reports).
CREATE TABLE download_firings (
  park_id text NOT NULL,
  ride_id text NOT NULL,
  scheduled_at timestamptz NOT NULL,
  request_id uuid REFERENCES download_requests (id) ON DELETE SET NULL,
  fired_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (park_id, ride_id, scheduled_at),
  FOREIGN KEY (park_id, ride_id) REFERENCES ride_sources (park_id, ride_id) ON DELETE CASCADE
);

-- Gateway files central has pulled, by what identified them in the listing (name, size,
-- mtime): a file listed again unchanged is not downloaded again. The batch is the drop it
-- became (stored, duplicate of, or quarantined as); a person's delete of a quarantined drop
-- keeps the row (outcome 'deleted'), so that file is not pulled again unless it changes.
CREATE TABLE pulled_files (
  park_id text NOT NULL,
  ride_id text NOT NULL,
  name text NOT NULL,
  size bigint NOT NULL,
  mtime_ms bigint NOT NULL,
  sha256 text NOT NULL,
  batch_id uuid REFERENCES batches (id) ON DELETE SET NULL,
  outcome text NOT NULL CHECK (outcome IN ('stored', 'duplicate', 'quarantined', 'deleted')),
  -- keep / delete / move done on the gateway (null: not yet, or a quarantined file, which stays).
  remote_handled text,
  pulled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (park_id, ride_id, name, size, mtime_ms)
);
CREATE INDEX pulled_files_batch_idx ON pulled_files (batch_id) WHERE batch_id IS NOT NULL;

-- Files the settle rule saw still changing: the first time each (size, mtime) was listed.
-- A file listed unchanged for the min age is settled even when the gateway's clock runs
-- ahead (its mtime then never looks old enough). Job pods share nothing but the database.
CREATE TABLE gateway_sightings (
  park_id text NOT NULL,
  ride_id text NOT NULL,
  name text NOT NULL,
  size bigint NOT NULL,
  mtime_ms bigint NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (park_id, ride_id, name)
);

-- Down Migration
DROP TABLE gateway_sightings, pulled_files, download_firings, download_requests, ride_sources;
DELETE FROM job_runs WHERE type = 'download';
DELETE FROM outbox WHERE queue = 'download';
ALTER TABLE job_runs DROP CONSTRAINT job_runs_type_check;
ALTER TABLE job_runs ADD CONSTRAINT job_runs_type_check CHECK (type IN ('postprocess', 'report'));
ALTER TABLE outbox DROP CONSTRAINT outbox_queue_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_queue_check CHECK (queue IN ('postprocess', 'report'));
ALTER TABLE batches DROP COLUMN source;
