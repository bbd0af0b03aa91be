import type { Migration } from './migration.ts';

/**
 * The activity log the Activity screen shows (it survives restarts, unlike the process log),
 * and an index for the Drops screen's newest-first pages over every state.
 */
export const activityAndDropPages: Migration = {
  id: '20261128T0430-activity-and-drop-pages',
  sql: `
CREATE TABLE activity (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
  -- What happened, for filtering: pull, upload, quarantine, host_key, settings, drop.
  kind TEXT NOT NULL,
  ride TEXT,
  message TEXT NOT NULL
) STRICT;

CREATE INDEX drops_by_pull ON drops (pulled_at);
`,
};
