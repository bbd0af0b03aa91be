-- Up Migration

-- Browsers that signed in with the right password (a long-lived HttpOnly cookie; only its
-- SHA-256 is stored). Such a browser skips the per-account and global sign-in limits, so a
-- stranger who spends them by guessing cannot lock the real user out. Not a credential: the
-- password is still checked.
CREATE TABLE login_devices (
  id_sha256 text PRIMARY KEY CHECK (id_sha256 ~ '^[0-9a-f]{64}$'),
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_devices_user_idx ON login_devices (user_id);
CREATE INDEX login_devices_seen_idx ON login_devices (last_seen_at);

-- What admins did: who (a dashboard user's name, or `cli:<os user>`), what (the procedure or
-- command), to what, and when. Written after the action succeeded; never updated. The actor is
-- text, not a reference, so the entry outlives a deleted user.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
  action text NOT NULL CHECK (length(action) BETWEEN 1 AND 200),
  target text CHECK (length(target) <= 500),
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);

-- The per-park quota sums a park's stored bytes at every ingest.begin: an index-only scan.
CREATE INDEX batches_park_bytes_idx ON batches (park_id) INCLUDE (bytes);

-- Down Migration
DROP INDEX batches_park_bytes_idx;
DROP TABLE audit_log;
DROP TABLE login_devices;
