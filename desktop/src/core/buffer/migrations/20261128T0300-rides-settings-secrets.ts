import type { Migration } from './migration.ts';

/**
 * Quarantined drops a person deleted (their gateway files stay known, so they are not pulled
 * and quarantined again), and rides and settings edited through the status API (the UI), so the edits survive restarts,
 * and the credentials they need, sealed by the secret store (never in clear).
 */
export const ridesSettingsSecrets: Migration = {
  id: '20261128T0300-rides-settings-secrets',
  sql: `
CREATE TABLE rides (
  id TEXT PRIMARY KEY,
  -- The ride as JSON (config.ts rideConfigSchema); credentials replaced by "<sealed>".
  config TEXT NOT NULL,
  -- Set when a person removed the ride: the row stays so the config file cannot bring it back.
  removed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- Agent settings changed through the status API; they override the config file's values.
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- Gateway files whose quarantined drop a person deleted: known (same size and mtime), so not
-- pulled again; a changed file (new size or mtime) is pulled as new.
CREATE TABLE dismissed_files (
  ride TEXT NOT NULL,
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  reason TEXT,
  dismissed_at TEXT NOT NULL,
  PRIMARY KEY (ride, name)
) STRICT;

-- Credentials sealed by the secret store (AES-256-GCM key file, or Electron safeStorage).
CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  sealed BLOB NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
`,
};
