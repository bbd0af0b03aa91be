import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { AgentObserver } from '../agent-api.ts';
import type { ActivityLog } from '../buffer/activity-log.ts';
import type { DropBuffer } from '../buffer/drop-buffer.ts';
import type { CentralClient } from '../central/central-client.ts';
import { errorForPeople } from '../error-for-people.ts';
import type { AgentConfig } from '../settings/config.ts';
import { centralLinkActivity, uploadActivity } from '../status/activity-events.ts';
import { CentralLinkStore } from '../store/central-link-store.ts';
import type { AgentSettings } from '../store/settings-store.ts';
import { UploadLoop } from './upload-loop.ts';
import { UploadThrottle, type ThrottleClock } from './upload-throttle.ts';

export interface AgentUploadLoopDeps {
  config: AgentConfig;
  /** The settings now (interval, bandwidth limit). */
  settings: () => AgentSettings;
  buffer: DropBuffer;
  central: CentralClient;
  activity: ActivityLog;
  log: Logger;
  /** Frees buffer space: acknowledged drops may now leave the disk. */
  room: () => Promise<boolean>;
  observer?: AgentObserver | undefined;
  throttleClock?: ThrottleClock | undefined;
  /** Where the central link's state outlives a restart (table `central_link`). */
  linkDb: Database.Database;
}

/**
 * The agent's upload loop (not started): rounds told to the activity log and the metrics,
 * the bandwidth limit from the live settings, and the central link remembered across
 * restarts (offline since, last contact).
 */
export function createUploadLoop(d: AgentUploadLoopDeps): UploadLoop {
  const log = d.log.child({ component: 'upload' });
  const throttle = new UploadThrottle(() => d.settings().uploadBytesPerSecond, d.throttleClock);
  const linkStore = new CentralLinkStore(d.linkDb);
  return new UploadLoop({
    buffer: d.buffer,
    client: d.central,
    log,
    chunkBytes: d.config.chunkBytes,
    upload: { ...d.config.upload, intervalSeconds: d.settings().uploadIntervalSeconds },
    // Acknowledged drops may now leave the disk, which is what un-pauses a full buffer.
    afterAcknowledged: d.room,
    afterRound: (result) => {
      uploadActivity(d.activity, result);
      d.observer?.uploaded(result);
    },
    throttle: (bytes) => throttle.take(bytes),
    linkChanged: (change) => {
      d.log.info({ change }, `central link ${change.to}`);
      centralLinkActivity(d.activity, change);
    },
    failedUnexpectedly: (err) =>
      d.activity.append({
        level: 'error',
        kind: 'upload',
        message: `upload round stopped: ${errorForPeople(err, 'uploading')}; drops stay buffered`,
      }),
    linkMemory: {
      remembered: linkStore.load(),
      remember: (link) => {
        try {
          linkStore.save(link);
        } catch (err) {
          // Only the "offline since" shown after a restart is at stake, never a drop.
          d.log.warn({ err }, 'could not keep the central link state; it restarts afresh');
        }
      },
    },
  });
}
