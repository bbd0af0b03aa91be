import type { Migration } from './migration.ts';

/**
 * What the agent remembers of its link to central across restarts: an outage that outlives a
 * restart keeps its start ("offline since") and is logged once, and the last contact stays
 * known while central is away. One row at most.
 */
export const centralLinkMemory: Migration = {
  id: '20261128T1900-central-link-memory',
  sql: `
CREATE TABLE central_link (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  offline_since TEXT,
  last_error TEXT,
  last_contact_at TEXT
) STRICT;
`,
};
