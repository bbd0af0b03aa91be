import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { AgentConfig } from '../config.ts';
import { SecretStoreError } from '../secrets/secret-store.ts';
import type { SecretTable } from './secret-table.ts';

/** The settings a person may change while the agent runs (the UI's settings page). */
export const agentSettingsSchema = z.strictObject({
  centralUrl: z.url({
    protocol: /^https?$/,
    error: 'expected central’s base URL, e.g. https://central.example.com',
  }),
  parkToken: z.string().min(16, 'the park token from Zamperla is at least 16 characters'),
  /** Upload bandwidth limit in bytes per second; null for none. */
  uploadBytesPerSecond: z
    .number()
    .int()
    .min(1024, 'give at least 1024 bytes per second')
    .nullable(),
  bufferMaxBytes: z.number().int().positive('give the cap in bytes, e.g. 2147483648 for 2 GiB'),
  retainAcknowledgedHours: z.number().nonnegative(),
});
export type AgentSettings = z.infer<typeof agentSettingsSchema>;

/** A change: only the fields given. */
export const agentSettingsPatchSchema = agentSettingsSchema.partial();
export type AgentSettingsPatch = z.infer<typeof agentSettingsPatchSchema>;

const TOKEN_SECRET = 'central/token';

/**
 * Settings: the config file's values, overlaid by those changed through the status API
 * (table `settings`; the park token sealed in `secrets`).
 */
export class SettingsStore {
  constructor(
    private readonly db: Database.Database,
    private readonly secrets: SecretTable,
    private readonly config: AgentConfig,
  ) {}

  /** The settings in force, and why a stored park token could not be read (if so). */
  load(): { settings: AgentSettings; tokenError: string | null } {
    const rows = this.db.prepare('SELECT name, value FROM settings').all() as {
      name: string;
      value: string;
    }[];
    // Only names this agent knows: a setting written by a newer agent must not stop this one.
    const known = new Set(Object.keys(agentSettingsSchema.shape));
    const stored = Object.fromEntries(
      rows
        .filter((r) => known.has(r.name) && r.name !== 'parkToken')
        .map((r) => [r.name, JSON.parse(r.value) as unknown]),
    );
    let parkToken = this.config.central.token;
    let tokenError: string | null = null;
    try {
      parkToken = this.secrets.get(TOKEN_SECRET) ?? parkToken;
    } catch (err) {
      if (!(err instanceof SecretStoreError)) throw err;
      tokenError = `${err.message} (using the park token of the config file meanwhile)`;
    }
    const settings = agentSettingsSchema.parse({
      centralUrl: this.config.central.url,
      uploadBytesPerSecond: this.config.upload.bytesPerSecond ?? null,
      bufferMaxBytes: this.config.buffer.maxBytes,
      retainAcknowledgedHours: this.config.buffer.retainAcknowledgedHours,
      ...stored,
      parkToken,
    });
    return { settings, tokenError };
  }

  /** Stores the fields given (validated by the caller) and answers the settings in force. */
  save(patch: AgentSettingsPatch): AgentSettings {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const [name, value] of Object.entries(patch)) {
        if (value === undefined) continue;
        if (name === 'parkToken') {
          this.secrets.put(TOKEN_SECRET, String(value));
          continue;
        }
        this.db
          .prepare(
            `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
          )
          .run(name, JSON.stringify(value), now);
      }
    })();
    return this.load().settings;
  }
}
