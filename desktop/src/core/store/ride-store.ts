import type Database from 'better-sqlite3';
import {
  CREDENTIAL_FIELDS,
  DEFAULT_PULL_SCHEDULE,
  rideConfigSchema,
  type RideConfig,
} from '../settings/config.ts';
import { SecretStoreError } from '../secrets/secret-store.ts';
import type { SecretTable } from './secret-table.ts';

/** What stands in the stored JSON where a credential was; the secret table holds the value. */
const SEALED = '<sealed>';

/** Where a ride's configuration comes from. */
export type RideSource = 'file' | 'stored';

/** A ride as the agent runs it, with where it came from and whether its credential opened. */
export interface LoadedRide {
  ride: RideConfig;
  source: RideSource;
  /** Why the stored credential cannot be used (wrong key file); null when it can. */
  credentialError: string | null;
}

/**
 * The rides the agent runs: the config file's rides, overlaid by rides added, edited or
 * removed through the status API (SQLite table `rides`). An edit stores the whole ride; a
 * removal leaves a tombstone so the file's ride of that id stays removed. Credentials go to
 * the secret table, sealed; the stored JSON holds "<sealed>" in their place.
 */
export class RideStore {
  constructor(
    private readonly db: Database.Database,
    private readonly secrets: SecretTable,
    private readonly fileRides: readonly RideConfig[],
  ) {}

  /** Every ride to run: file rides first (in file order, as overridden), then stored ones. */
  list(): LoadedRide[] {
    const rows = this.db
      .prepare('SELECT id, config, removed_at FROM rides ORDER BY created_at, id')
      .all() as { id: string; config: string; removed_at: string | null }[];
    const stored = new Map(rows.map((r) => [r.id, r]));
    const out: LoadedRide[] = [];
    for (const ride of this.fileRides) {
      const row = stored.get(ride.id);
      if (row === undefined) out.push({ ride, source: 'file', credentialError: null });
      else if (row.removed_at === null) out.push(this.load(row.config));
    }
    const fileIds = new Set(this.fileRides.map((r) => r.id));
    for (const row of rows) {
      if (!fileIds.has(row.id) && row.removed_at === null) out.push(this.load(row.config));
    }
    return out;
  }

  get(id: string): LoadedRide | undefined {
    return this.list().find((r) => r.ride.id === id);
  }

  /** Stores the whole ride (adding or replacing it), its credentials sealed. */
  save(ride: RideConfig): void {
    const conn: Record<string, unknown> = { ...ride.connection };
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const field of CREDENTIAL_FIELDS) {
        const value = conn[field];
        this.secrets.put(secretName(ride.id, field), typeof value === 'string' ? value : undefined);
        if (value !== undefined) conn[field] = SEALED;
      }
      this.db
        .prepare(
          `INSERT INTO rides (id, config, removed_at, created_at, updated_at)
           VALUES (?, ?, NULL, ?, ?)
           ON CONFLICT (id) DO UPDATE SET config = excluded.config, removed_at = NULL,
             updated_at = excluded.updated_at`,
        )
        .run(ride.id, JSON.stringify({ ...ride, connection: conn }), now, now);
    })();
  }

  /** Removes a ride (its credentials too); false when there is no such ride. */
  remove(id: string): boolean {
    if (this.get(id) === undefined) return false;
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.secrets.deletePrefix(`ride/${id}/`);
      this.db
        .prepare(
          `INSERT INTO rides (id, config, removed_at, created_at, updated_at)
           VALUES (?, '{}', ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET config = '{}', removed_at = excluded.removed_at,
             updated_at = excluded.updated_at`,
        )
        .run(id, now, now, now);
    })();
    return true;
  }

  private load(json: string): LoadedRide {
    const parsed = rideConfigSchema.parse(JSON.parse(json));
    const ride: RideConfig = { ...parsed, schedule: parsed.schedule ?? [...DEFAULT_PULL_SCHEDULE] };
    const conn: Record<string, unknown> = { ...ride.connection };
    let credentialError: string | null = null;
    for (const field of CREDENTIAL_FIELDS) {
      if (conn[field] !== SEALED) continue;
      try {
        conn[field] = this.secrets.get(secretName(ride.id, field));
        if (conn[field] === undefined) {
          credentialError = `the ride's ${field} is missing from the credential store: enter it again`;
          conn[field] = SEALED;
        }
      } catch (err) {
        if (!(err instanceof SecretStoreError)) throw err;
        credentialError = err.message;
      }
    }
    return {
      ride: { ...ride, connection: conn as RideConfig['connection'] },
      source: 'stored',
      credentialError,
    };
  }
}

function secretName(rideId: string, field: string): string {
  return `ride/${rideId}/${field}`;
}
