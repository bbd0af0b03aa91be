import type pg from 'pg';
import type { Logger } from 'pino';
import { ADVISORY_LOCK } from '../db/advisory-locks.ts';
import { sleep } from '../queue/sleep.ts';
import { JobStoppedError } from '../worker/run-job-binary.ts';

/** Key space of the locks that keep two downloads of one ride apart. */
const RIDE_DOWNLOAD_LOCK = ADVISORY_LOCK.rideDownload;

/** How often a download waiting for its ride's lock asks again. */
const POLL_MS = 500;

/** The download lock of one ride, held on a connection of its own until `release()`. */
export interface RideLock {
  release(): Promise<void>;
}

/**
 * Takes the download lock of a ride: never two downloads of one ride at once, whatever job
 * pods run. A session-level advisory lock on a dedicated connection: a worker that dies (even
 * SIGKILL) drops its connection, and PostgreSQL releases the lock at once, so the next job
 * does not wait out a lease. A download that finds the lock taken waits (polling, so no
 * statement waits longer than DB_STATEMENT_TIMEOUT_S) until the other one ends.
 */
export async function holdRideLock(
  pool: pg.Pool,
  ride: { park: string; ride: string },
  options: { log: Logger; signal?: AbortSignal },
): Promise<RideLock> {
  const client = await pool.connect();
  // A connection lost while held would otherwise be an uncaught 'error' event.
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
  };
  client.on('error', onError);
  const key = `${ride.park}/${ride.ride}`;
  let waitingSince: number | null = null;
  try {
    for (;;) {
      const r = await client.query<{ got: boolean }>(
        'SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS got',
        [RIDE_DOWNLOAD_LOCK, key],
      );
      if (r.rows[0]?.got) break;
      if (waitingSince === null) {
        waitingSince = Date.now();
        options.log.info(
          { ride: key },
          'another download of this ride is running; waiting for it to end',
        );
      }
      // The worker is stopping: the message goes back to the queue, no attempt counted.
      if (options.signal?.aborted) throw new JobStoppedError('stopped while waiting for the ride');
      await sleep(POLL_MS, options.signal);
    }
  } catch (err) {
    client.off('error', onError);
    client.release(lost ?? (err instanceof Error ? err : true));
    throw err;
  }
  if (waitingSince !== null) {
    options.log.info({ ride: key, waitedMs: Date.now() - waitingSince }, 'ride lock taken');
  }
  return {
    async release() {
      try {
        if (!lost) {
          await client.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [
            RIDE_DOWNLOAD_LOCK,
            key,
          ]);
        }
      } catch (err) {
        lost = err instanceof Error ? err : new Error(String(err));
      } finally {
        client.off('error', onError);
        // A broken connection is destroyed, which releases a lock still held.
        client.release(lost);
      }
    },
  };
}
