import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { BlobStore } from '../blob/blob-store.ts';

/** How often, and for how long, the database is asked again (about a minute). */
const LOOK_EVERY_MS = 2_000;
const LOOKS = 30;

/**
 * After a commit of a chunked upload whose answer was lost with its database connection:
 * when the drop was stored after all, its upload row is gone, and nothing but the orphan sweep
 * (upload-sweeper.ts, minutes later) would remove the upload's file; the agent, told to try
 * again, begins again and hears `duplicate`. So once the database answers again, this looks
 * at the row and removes the file if the row is gone. A row still there is an upload that goes
 * on: its file is left to the commit that will follow. Runs in the background, gives up after
 * about a minute (the sweep is still there), and never holds the process open.
 */
export function removeUploadFileOnceStored(
  deps: { pool: pg.Pool; blobs: BlobStore; log: Logger },
  upload: { id: string; temp_path: string },
): void {
  void (async () => {
    for (let look = 0; look < LOOKS; look++) {
      await delay(LOOK_EVERY_MS, undefined, { ref: false });
      try {
        const row = await deps.pool.query('SELECT 1 FROM uploads WHERE id = $1', [upload.id]);
        if (row.rowCount === 0) {
          await deps.blobs.uploads.remove(upload.temp_path);
          deps.log.info({ uploadId: upload.id }, 'upload file removed: its lost commit stored it');
        }
        return;
      } catch {
        // The database or the store is still away (or central is stopping): look again.
      }
    }
  })();
}
