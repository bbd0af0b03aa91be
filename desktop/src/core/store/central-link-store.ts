import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { RememberedLink } from '../central/central-link.ts';

const rowSchema = z.object({
  offline_since: z.iso.datetime().nullable(),
  last_error: z.string().nullable(),
  last_contact_at: z.iso.datetime().nullable(),
});

/** The central link's state that outlives a restart (table `central_link`, one row). */
export class CentralLinkStore {
  /** Prepared once: it runs after every good upload round and heartbeat (the last contact). */
  private readonly upsert: Database.Statement<RememberedLink>;

  constructor(private readonly db: Database.Database) {
    this.upsert = db.prepare(
      `INSERT INTO central_link (id, offline_since, last_error, last_contact_at)
       VALUES (1, @offlineSince, @lastError, @lastContactAt)
       ON CONFLICT (id) DO UPDATE SET offline_since = excluded.offline_since,
         last_error = excluded.last_error, last_contact_at = excluded.last_contact_at`,
    );
  }

  /** What was remembered; nothing (never contacted, or an unreadable row) starts afresh. */
  load(): RememberedLink {
    const row = rowSchema.safeParse(
      this.db.prepare('SELECT offline_since, last_error, last_contact_at FROM central_link').get(),
    );
    if (!row.success) return { offlineSince: null, lastError: null, lastContactAt: null };
    return {
      offlineSince: row.data.offline_since,
      lastError: row.data.last_error,
      lastContactAt: row.data.last_contact_at,
    };
  }

  save(link: RememberedLink): void {
    this.upsert.run(link);
  }
}
