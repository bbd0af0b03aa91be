-- Up Migration

-- The latest heartbeat of each park's agent (one row per park, replaced on every heartbeat).
-- recent_backlog_drops keeps the backlog of the last three heartbeats, oldest first, so a
-- growing backlog is visible without keeping every heartbeat.
CREATE TABLE agent_heartbeats (
  park_id text PRIMARY KEY REFERENCES parks (id),
  version text NOT NULL,
  buffer_drops integer NOT NULL CHECK (buffer_drops >= 0),
  buffer_bytes bigint NOT NULL CHECK (buffer_bytes >= 0),
  buffer_cap_bytes bigint CHECK (buffer_cap_bytes > 0),
  backlog_drops integer NOT NULL CHECK (backlog_drops >= 0),
  backlog_bytes bigint NOT NULL CHECK (backlog_bytes >= 0),
  backlog_oldest_pulled_at timestamptz,
  offline_since timestamptz,
  recent_backlog_drops integer[] NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE agent_heartbeats;
