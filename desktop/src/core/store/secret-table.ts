import type Database from 'better-sqlite3';
import type { SecretStore } from '../secrets/secret-store.ts';

/** Named credentials in SQLite, sealed by the secret store before they are written. */
export class SecretTable {
  constructor(
    private readonly db: Database.Database,
    private readonly store: SecretStore,
  ) {}

  /** Seals and stores `plain` under `name`; `undefined` deletes it. */
  put(name: string, plain: string | undefined): void {
    if (plain === undefined) {
      this.db.prepare('DELETE FROM secrets WHERE name = ?').run(name);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO secrets (name, sealed, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
      )
      .run(name, this.store.seal(plain), new Date().toISOString());
  }

  /** The plain text, or undefined when none is stored; throws `SecretStoreError` on a wrong key. */
  get(name: string): string | undefined {
    const sealed = this.db
      .prepare('SELECT sealed FROM secrets WHERE name = ?')
      .pluck()
      .get(name) as Buffer | undefined;
    return sealed === undefined ? undefined : this.store.open(sealed);
  }

  /** Deletes every secret whose name starts with `prefix`. */
  deletePrefix(prefix: string): void {
    this.db.prepare(`DELETE FROM secrets WHERE substr(name, 1, ?) = ?`).run(prefix.length, prefix);
  }
}
