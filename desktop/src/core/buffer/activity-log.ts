import type Database from 'better-sqlite3';

export type ActivityLevel = 'info' | 'warn' | 'error';
export type ActivityKind =
  | 'pull'
  | 'upload'
  | 'quarantine'
  | 'host_key'
  | 'settings'
  | 'drop'
  | 'ride'
  | 'central';

/** One thing that happened, in words a park technician reads. */
export interface ActivityEvent {
  id: number;
  at: string;
  level: ActivityLevel;
  kind: ActivityKind;
  ride: string | null;
  message: string;
}

/** A page of events, newest first; `nextCursor` is null on the last page. */
/** A page of the log: newest first, older than `cursor`, of one ride and level when given. */
export interface ActivityQuery {
  limit?: number;
  cursor?: number;
  ride?: string;
  level?: ActivityLevel;
}

export interface ActivityPage {
  events: ActivityEvent[];
  nextCursor: number | null;
}

/** Events kept: weeks of a busy park's pulls, a few hundred kB of SQLite. */
export const ACTIVITY_KEEP = 2000;

/**
 * The agent's persistent activity log (the Activity screen): pulls, uploads, quarantines,
 * host-key changes, settings changes, rides added, edited or removed, and the central link
 * going offline and back, so a technician sees what happened before a restart.
 * Append only, capped to the newest {@link ACTIVITY_KEEP} events.
 */
export class ActivityLog {
  private readonly insert: Database.Statement;
  private readonly trim: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly keep = ACTIVITY_KEEP,
  ) {
    this.insert = db.prepare(
      'INSERT INTO activity (at, level, kind, ride, message) VALUES (?, ?, ?, ?, ?)',
    );
    // By id (the primary key): one range delete, no scan.
    this.trim = db.prepare('DELETE FROM activity WHERE id <= ?');
  }

  /** Records an event; never throws (a full disk must not stop a pull from finishing). */
  append(event: {
    level: ActivityLevel;
    kind: ActivityKind;
    ride?: string | null;
    message: string;
  }): void {
    try {
      const res = this.insert.run(
        new Date().toISOString(),
        event.level,
        event.kind,
        event.ride ?? null,
        event.message,
      );
      const id = Number(res.lastInsertRowid);
      if (id > this.keep) this.trim.run(id - this.keep);
    } catch {
      // The process log still has the event; the activity log is a view for people.
    }
  }

  /** Newest first; `cursor` is the `nextCursor` of the previous page. */
  list(query: ActivityQuery = {}): ActivityPage {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 500);
    const rows = this.db
      .prepare(
        `SELECT id, at, level, kind, ride, message FROM activity
         WHERE (@cursor IS NULL OR id < @cursor)
           AND (@ride IS NULL OR ride = @ride)
           AND (@level IS NULL OR level = @level)
         ORDER BY id DESC LIMIT @limit`,
      )
      .all({
        cursor: query.cursor ?? null,
        ride: query.ride ?? null,
        level: query.level ?? null,
        limit: limit + 1,
      }) as ActivityEvent[];
    const more = rows.length > limit;
    const events = more ? rows.slice(0, limit) : rows;
    return { events, nextCursor: more ? (events.at(-1)?.id ?? null) : null };
  }
}
