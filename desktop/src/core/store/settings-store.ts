import type Database from 'better-sqlite3';
import { z } from 'zod';
import { isIanaTimeZone } from '@zra/shared';
import { MACHINE_TIME_ZONE, type AgentConfig } from '../settings/config.ts';
import { SecretStoreError } from '../secrets/secret-store.ts';
import { zoneSpelling } from '../settings/zone-spelling.ts';
import type { SecretTable } from './secret-table.ts';

/**
 * The park token as a person pastes it: one word of 16 to 512 letters, digits and `-_.~+/=`
 * (no space, quote or line break a copy picked up); one of central's own (`zra_…`) is whole.
 */
function parkTokenSchema() {
  return z
    .string()
    .regex(
      /^[A-Za-z0-9._~+/=-]{16,512}$/,
      'a park token is one word of 16 to 512 letters, digits and - _ . ~ + / = (no spaces or line breaks): copy it again from what Zamperla sent',
    )
    .refine((t) => !t.startsWith('zra_') || /^zra_[A-Za-z0-9_-]{43}$/.test(t), {
      error: 'a park token that starts with zra_ has 43 more characters: copy it again, whole',
    });
}

/** The settings a person may change while the agent runs (the UI's settings page). */
export const agentSettingsSchema = z.strictObject({
  centralUrl: z.url({
    protocol: /^https?$/,
    error: 'expected central’s base URL, e.g. https://central.example.com',
  }),
  parkToken: parkTokenSchema(),
  /** Upload bandwidth limit in bytes per second; null for none. */
  uploadBytesPerSecond: z
    .number()
    .int()
    .min(1024, 'give at least 1024 bytes per second')
    .nullable(),
  bufferMaxBytes: z.number().int().positive('give the cap in bytes, e.g. 2147483648 for 2 GiB'),
  retainAcknowledgedHours: z.number().nonnegative(),
  /** The park's IANA time zone: the rides' cron rules are read in it. */
  timeZone: z
    .string()
    .refine(isIanaTimeZone, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not an IANA time zone; give one like "Europe/Rome" or "America/New_York"`,
    })
    .transform(zoneSpelling),
  /** Rides pulled at the same time, at most. */
  maxConcurrentPulls: z
    .number()
    .int('give a whole number of rides, 1 to 16')
    .min(1, 'give a whole number of rides, 1 to 16')
    .max(16, 'give a whole number of rides, 1 to 16'),
  /** A remote file younger than this may still be written by the gateway; left for later. */
  minAgeSeconds: z
    .number()
    .int('give a whole number of seconds, 0 to 3600')
    .min(0, 'give a whole number of seconds, 0 to 3600')
    .max(3600, 'give a whole number of seconds, 0 to 3600'),
  /** Between upload rounds while central answers (`upload.intervalSeconds` of the file). */
  uploadIntervalSeconds: z
    .number()
    .int('give a whole number of seconds, 1 to 86400 (a day)')
    .min(1, 'give a whole number of seconds, 1 to 86400 (a day)')
    .max(86_400, 'give a whole number of seconds, 1 to 86400 (a day)'),
});
export type AgentSettings = z.output<typeof agentSettingsSchema>;

/** A change: only the fields given. */
export const agentSettingsPatchSchema = agentSettingsSchema.partial();
export type AgentSettingsPatch = z.input<typeof agentSettingsPatchSchema>;

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
    // The file's values were checked by the config schema, whose bounds may be wider than a
    // person's (a sub-second upload interval in tests): only the stored changes are checked here.
    const settings: AgentSettings = {
      centralUrl: this.config.central.url,
      uploadBytesPerSecond: this.config.upload.bytesPerSecond ?? null,
      bufferMaxBytes: this.config.buffer.maxBytes,
      retainAcknowledgedHours: this.config.buffer.retainAcknowledgedHours,
      timeZone: this.config.timezone ?? MACHINE_TIME_ZONE,
      maxConcurrentPulls: this.config.maxConcurrentPulls,
      minAgeSeconds: this.config.minAgeSeconds,
      uploadIntervalSeconds: this.config.upload.intervalSeconds,
      ...stripUndefined(agentSettingsPatchSchema.parse(stored)),
      parkToken,
    };
    return { settings, tokenError };
  }

  /**
   * Whether a person chose the time zone (the config file's `timezone`, or Settings); if not,
   * the agent takes the park's from central.
   */
  timeZoneChosen(): boolean {
    if (this.config.timezone !== undefined) return true;
    return this.db.prepare("SELECT 1 FROM settings WHERE name = 'timeZone'").get() !== undefined;
  }

  /** Stores the fields given (validated by the caller, as `agentSettingsPatchSchema` outputs them) and answers the settings in force. */
  save(patch: Partial<AgentSettings>): AgentSettings {
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

/** A partial's absent fields, which must not blank the file's values when spread over them. */
function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
