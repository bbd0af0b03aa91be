import type { Logger } from 'pino';
import { errorForPeople } from '../error-for-people.ts';
import type { ActivityLog } from './activity-log.ts';
import type { DropBuffer } from './drop-buffer.ts';
import { scrubWaitingBlobs, type ScrubResult } from './scrub-blobs.ts';

/** The SHA-256 check of the waiting blobs, running in the background. */
export interface BackgroundCheck {
  /** What it checked and found damaged, once done; null when the check itself failed. */
  done: Promise<ScrubResult | null>;
  stop(): void;
}

/**
 * Checks the SHA-256 of every drop waiting for central, one at a time while pulls run
 * (scrub-blobs.ts), and says what it found in the activity log: damaged drops are forgotten
 * so the gateway copy is pulled again; a check that fails is said in words (each upload still
 * checks its drop first).
 */
export function startBackgroundCheck(
  buffer: DropBuffer,
  activity: ActivityLog,
  log: Logger,
): BackgroundCheck {
  const stop = new AbortController();
  const done = scrubWaitingBlobs(buffer, log, stop.signal).then(
    (result) => {
      const { checked, damaged } = result;
      log.info({ checked, damaged }, 'checked the SHA-256 of every drop waiting for central');
      if (damaged > 0) {
        activity.append({
          level: 'warn',
          kind: 'drop',
          message: `${damaged} buffered drop(s) were damaged on disk (SHA-256 check after start-up); forgotten, so they are pulled again from the gateway while it still has them`,
        });
      }
      return result;
    },
    (err: unknown) => {
      log.error({ err }, 'checking the buffered drops on disk failed');
      activity.append({
        level: 'error',
        kind: 'drop',
        message: `the check of the buffered drops on disk stopped: ${errorForPeople(err, 'checking the buffered drops')}; each upload still checks its drop first`,
      });
      return null;
    },
  );
  return { done, stop: () => stop.abort() };
}
