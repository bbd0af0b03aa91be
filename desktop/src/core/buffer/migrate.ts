import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Migration } from './migrations/index.ts';

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own
 * transaction, so a crash mid-way leaves the schema at a known step. Refuses a database that
 * records a migration this build does not know: it was written by a newer agent, and running
 * an older schema over it could lose data.
 */
export function applyMigrations(
  db: Database.Database,
  migrations: readonly Migration[],
  log: Logger,
): string[] {
  db.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL) STRICT`,
  );
  const applied = new Set(
    db
      .prepare('SELECT id FROM schema_migrations')
      .pluck()
      .all()
      .map((id) => String(id)),
  );
  const known = new Set(migrations.map((m) => m.id));
  const unknown = [...applied].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new Error(
      `the buffer database was written by a newer agent (migrations ${unknown.join(', ')}); ` +
        'update the agent, or move the data directory aside to start an empty buffer',
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  const done: string[] = [];
  for (const m of [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (applied.has(m.id)) continue;
    // The pragma is a no-op inside a transaction, so it is switched around it.
    const fkWasOn = m.rebuildsTables === true && db.pragma('foreign_keys', { simple: true }) === 1;
    if (fkWasOn) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(m.sql);
        if (m.rebuildsTables) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) {
            throw new Error(
              `migration ${m.id} would leave ${broken.length} rows pointing at nothing; ` +
                'the buffer is unchanged: report this with the data directory',
            );
          }
        }
        record.run(m.id, new Date().toISOString());
      })();
    } finally {
      if (fkWasOn) db.pragma('foreign_keys = ON');
    }
    log.info({ migration: m.id }, 'buffer migration applied');
    done.push(m.id);
  }
  return done;
}
