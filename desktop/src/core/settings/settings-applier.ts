import type { Logger } from 'pino';
import type { ActivityLog } from '../buffer/activity-log.ts';
import type { BufferSpaceConfig } from '../buffer/buffer-space.ts';
import { parkTimeZoneAdoptedActivity, settingsChangedActivity } from '../status/activity-events.ts';
import {
  agentSettingsPatchSchema,
  type AgentSettings,
  type AgentSettingsPatch,
  type SettingsStore,
} from '../store/settings-store.ts';
import { FieldProblemsError } from './field-problems.ts';

/** The settings as the UI shows them: the park token is never sent back, only a hint. */
export interface SettingsView extends Omit<AgentSettings, 'parkToken'> {
  /** The token's last four characters, to tell tokens apart. */
  parkTokenHint: string;
  /** Why the stored park token cannot be read; null when it can. */
  parkTokenError: string | null;
}

/** The running parts a settings change reaches. */
export interface SettingsTargets {
  /** Read on every use by the buffer-space functions: changed in place. */
  bufferConfig: BufferSpaceConfig;
  pulls: {
    setMaxConcurrent(rides: number): void;
    setMinAgeSeconds(seconds: number): void;
    setTimeZone(timeZone: string): void;
  };
  uploads: { setIntervalSeconds(seconds: number): void; retryNow(): void };
  /** Points the central client at a new URL or token; absent when a fixed client was given. */
  switchCentral?: (url: string, token: string) => void;
  /** Central's address or token changed: tell central at once (a heartbeat), not in a minute. */
  centralChanged?: () => void;
}

/**
 * The agent's live settings: loaded from the store (SQLite over the config file), and changed
 * while the agent runs. A change is checked whole (a refusal names each bad field and changes
 * nothing), saved, then applied at once to the parts it affects, and logged in words.
 */
export class SettingsApplier {
  private settings: AgentSettings;
  private tokenError: string | null;
  private targets: SettingsTargets | null = null;

  constructor(
    private readonly store: SettingsStore,
    private readonly activity: ActivityLog,
    private readonly log: Logger,
  ) {
    const { settings, tokenError } = store.load();
    if (tokenError) log.error({ reason: tokenError }, 'stored park token unreadable');
    this.settings = settings;
    this.tokenError = tokenError;
  }

  /** The settings in force (a new object after each change). */
  get current(): AgentSettings {
    return this.settings;
  }

  /** The parts to keep in line from now on (they are built from `current`). */
  applyTo(targets: SettingsTargets): void {
    this.targets = targets;
  }

  view(): SettingsView {
    const { parkToken, ...rest } = this.settings;
    return { ...rest, parkTokenHint: `…${parkToken.slice(-4)}`, parkTokenError: this.tokenError };
  }

  update(patch: AgentSettingsPatch): SettingsView {
    const parsed = agentSettingsPatchSchema.safeParse(patch);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => ({
        field: i.path.join('.'),
        message: i.message,
      }));
      throw new FieldProblemsError(
        problems,
        `the settings are not valid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      );
    }
    const before = this.settings;
    const after = this.save(parsed.data);
    this.log.info({ changed: Object.keys(parsed.data) }, 'settings changed');
    settingsChangedActivity(this.activity, before, after, Object.keys(parsed.data));
    return this.view();
  }

  /**
   * The zone central has for the park, taken as the agent's when no person chose one (the
   * config file's `timezone` or Settings): kept like a choice, so it holds offline and after a
   * restart, and a later change at central shows as a difference instead of moving the rules.
   */
  adoptParkTimeZone(zone: string): void {
    if (this.store.timeZoneChosen()) return;
    const parsed = agentSettingsPatchSchema.safeParse({ timeZone: zone });
    if (!parsed.success) {
      this.log.warn({ zone }, "central's time zone for the park is not one this agent knows");
      return;
    }
    const before = this.settings.timeZone;
    const after = this.save(parsed.data);
    this.log.info({ timeZone: after.timeZone }, "time zone taken from central's park");
    parkTimeZoneAdoptedActivity(this.activity, before, after.timeZone);
  }

  /** Saves a checked change and applies it at once to the parts it affects. */
  private save(patch: Partial<AgentSettings>): AgentSettings {
    const before = this.settings;
    const after = this.store.save(patch);
    this.settings = after;
    if (patch.parkToken !== undefined) this.tokenError = null;
    const t = this.targets;
    if (t) {
      t.bufferConfig.maxBytes = after.bufferMaxBytes;
      t.bufferConfig.retainAcknowledgedHours = after.retainAcknowledgedHours;
      t.pulls.setMaxConcurrent(after.maxConcurrentPulls);
      t.pulls.setMinAgeSeconds(after.minAgeSeconds);
      // The rules are made again in the new zone; a tick already handed over still pulls.
      if (before.timeZone !== after.timeZone) t.pulls.setTimeZone(after.timeZone);
      t.uploads.setIntervalSeconds(after.uploadIntervalSeconds);
      if (
        t.switchCentral &&
        (before.centralUrl !== after.centralUrl || before.parkToken !== after.parkToken)
      ) {
        t.switchCentral(after.centralUrl, after.parkToken);
        // The old address's backoff says nothing of the new one: try it now.
        t.uploads.retryNow();
        t.centralChanged?.();
      }
    }
    return after;
  }
}
