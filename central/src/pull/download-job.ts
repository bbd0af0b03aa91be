import { afterBufferSchema, type ConnectionConfig } from '@zra/gateway';
import { withTransaction } from '../db/pool.ts';
import { enqueue } from '../queue/outbox.ts';
import { downloadMessageSchema, type DownloadMessage } from '../queue/messages.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import { JobFailureError } from '../worker/job-failure.ts';
import type { JobKind, Queryable, SubjectState } from '../worker/job-kind.ts';
import { PermanentJobError } from '../worker/job-kind.ts';
import { unsealCredential } from './credential-seal.ts';
import { queueDownload, type DownloadReason } from './download-requests.ts';
import { pullRide, type PullCounts } from './pull-ride.ts';
import { gatewayFailure } from './pull-failure.ts';
import { holdRideLock } from './ride-lock.ts';
import { gatewaySettingsSchema } from './ride-source-schemas.ts';
import { rideSourceRow, type RideSourceRow } from './ride-sources.ts';

interface RequestRow {
  id: string;
  park_id: string;
  ride_id: string;
  reason: DownloadReason;
  since: Date | null;
  after_mtime_ms: string | null;
  after_name: string | null;
  state: 'queued' | 'running' | 'done' | 'failed';
}

const STATES: Record<RequestRow['state'], SubjectState> = {
  queued: 'pending',
  running: 'pending',
  done: 'done',
  failed: 'failed',
};

/** Gateway files one job takes when the configuration does not say (DOWNLOAD_FILES_PER_JOB). */
export const DEFAULT_FILES_PER_JOB = 100;

/**
 * One download of one ride from its park gateway (central pull): takes the ride's lock (never
 * two downloads of one ride at once), pulls at most DOWNLOAD_FILES_PER_JOB files through the
 * ingest's own commit, and queues the rest as the next job. A gateway failure is final for this
 * download (the ride's schedule is the retry) and is shown on the ride at once, in words.
 */
export const downloadJob: JobKind<DownloadMessage> = {
  queue: 'download',
  message: downloadMessageSchema,
  subject: (m) => m.requestId,

  async state(db, { requestId }) {
    const r = await db.query<{ state: RequestRow['state'] }>(
      'SELECT state FROM download_requests WHERE id = $1',
      [requestId],
    );
    const state = r.rows[0]?.state;
    return state === undefined ? 'missing' : STATES[state];
  },

  async run({ pool, config, blobs, log, stop }, { requestId }) {
    const r = await pool.query<RequestRow>('SELECT * FROM download_requests WHERE id = $1', [
      requestId,
    ]);
    const request = r.rows[0];
    if (!request) {
      log.info(
        { requestId },
        "download no longer exists (its ride's gateway settings were removed); nothing to do",
      );
      return;
    }
    // A stray copy of the message of a finished download (a lost ack): doing it again would be
    // a new download nobody asked for, and it could queue continuations of its own.
    if (request.state === 'done' || request.state === 'failed') {
      log.info(
        { requestId, state: request.state },
        'download finished before; this copy of its message is dropped',
      );
      return;
    }
    const ref = { park: request.park_id, ride: request.ride_id };
    const runLog = log.child({ park: ref.park, ride: ref.ride, reason: request.reason });
    const lock = await holdRideLock(pool, ref, { log: runLog, signal: stop });
    try {
      const source = await rideSourceRow(pool, ref.park, ref.ride);
      if (!source?.connection || !source.remote_dir) {
        throw new PermanentJobError(
          'gateway_not_set',
          `ride ${ref.park}/${ref.ride} has no gateway settings at central any more`,
          'set the gateway under Central pull, or ignore this if the ride is fed by the park app',
        );
      }
      await pool.query(
        `UPDATE download_requests SET state = 'running', started_at = now(), error = NULL,
                error_code = NULL WHERE id = $1`,
        [requestId],
      );
      await pool.query(
        'UPDATE ride_sources SET last_attempt_at = now() WHERE park_id = $1 AND ride_id = $2',
        [ref.park, ref.ride],
      );
      let result;
      try {
        result = await pullRide(
          {
            park: parkIdentity(source),
            ride: ref.ride,
            connection: connectionOf(config.gatewayCredentialsKey, source),
            remoteDir: source.remote_dir,
            afterDownload: afterBufferSchema.parse(source.after_download),
            minAgeMs: source.min_age_s * 1000,
            listOnly: request.reason === 'check',
            since: request.since,
            after:
              request.after_name !== null && request.after_mtime_ms !== null
                ? { name: request.after_name, mtimeMs: Number(request.after_mtime_ms) }
                : null,
            maxFiles: config.downloadFilesPerJob ?? DEFAULT_FILES_PER_JOB,
          },
          {
            pool,
            blobs,
            log: runLog,
            stop,
            onHostKey: (fingerprint) => recordHostKey(pool, ref, fingerprint),
          },
        );
      } catch (err) {
        if (err instanceof JobFailureError) await recordFailure(pool, request, err);
        throw err;
      }
      await withTransaction(pool, async (c) => {
        await finishRequest(c, requestId, 'done', result.counts);
        // A connection check that worked clears the error; only a pull is a successful pull.
        await c.query(
          `UPDATE ride_sources SET last_error = NULL, last_error_code = NULL,
                  last_success_at = CASE WHEN $4::boolean THEN last_success_at ELSE now() END,
                  consecutive_failures = 0, files_waiting = $3, files_waiting_at = now()
            WHERE park_id = $1 AND ride_id = $2`,
          [ref.park, ref.ride, result.counts.waiting, request.reason === 'check'],
        );
        if (result.continueAfter) {
          // The bounded job took its share; the rest of the listing is the next job's.
          await queueDownload(c, {
            ...ref,
            reason: 'continue',
            since: request.since,
            after: result.continueAfter,
            requestedBy: `download ${requestId}`,
          });
        }
      });
      runLog.info({ ...result.counts, continues: result.continueAfter !== null }, 'download done');
    } finally {
      await lock.release();
    }
  },

  async onRetry(db, { requestId }, error) {
    // Still in hand: it runs again. The row stays `running` (a firing may queue another one).
    await db.query('UPDATE download_requests SET error = $2, error_code = $3 WHERE id = $1', [
      requestId,
      error.text,
      error.code,
    ]);
  },

  async onGiveUp(db, { requestId }, error) {
    // A gateway failure was recorded by the job itself, in its own words; anything else here.
    const r = await db.query<{ park_id: string; ride_id: string }>(
      `UPDATE download_requests SET state = 'failed', error = $2, error_code = $3,
              finished_at = now()
        WHERE id = $1 AND state <> 'failed' RETURNING park_id, ride_id`,
      [requestId, error.text, error.code],
    );
    const row = r.rows[0];
    if (row) await failRide(db, { park: row.park_id, ride: row.ride_id }, error.code, error.text);
  },

  async requeue(db, { requestId }) {
    await enqueue(db, 'download', { requestId }, requestId);
  },
};

/** The ride's connection: its settings, the credential unsealed, the accepted host key. */
function connectionOf(key: Buffer | undefined, source: RideSourceRow): ConnectionConfig {
  const gateway = gatewaySettingsSchema.parse(source.connection);
  const ref = { park: source.park_id, ride: source.ride_id };
  let credential;
  try {
    credential = source.credential_sealed
      ? unsealCredential(key, ref, source.credential_sealed)
      : null;
  } catch (err) {
    throw gatewayFailure(err, 'reading the gateway credential');
  }
  if (gateway.type === 'sftp') {
    if (!credential) {
      throw new JobFailureError({
        code: 'gateway_login_refused',
        what: 'the ride has no gateway credential stored',
        todo: 'give the password or private key under Central pull in the dashboard',
        permanent: true,
      });
    }
    return {
      ...gateway,
      ...credential,
      ...(source.host_key_pinned ? { hostKeySha256: source.host_key_pinned } : {}),
    };
  }
  return {
    ...gateway,
    ...(credential && 'password' in credential ? { password: credential.password } : {}),
  };
}

function parkIdentity(source: RideSourceRow): ParkIdentity {
  // The commit needs the park's id (ownership) and time zone; name and language are not read.
  return { id: source.park_id, name: source.park_id, timezone: source.timezone, language: 'en' };
}

async function recordHostKey(
  db: Queryable,
  ref: { park: string; ride: string },
  fingerprint: string,
): Promise<void> {
  await db.query(
    'UPDATE ride_sources SET host_key_presented = $3 WHERE park_id = $1 AND ride_id = $2',
    [ref.park, ref.ride, fingerprint],
  );
}

/** The download failed at the gateway: the request and the ride say why, in words. */
async function recordFailure(
  pool: Queryable,
  request: RequestRow,
  err: JobFailureError,
): Promise<void> {
  const { code, what, todo } = err.failure;
  const text = `${what}. What to do: ${todo}.`;
  await pool.query(
    `UPDATE download_requests SET state = 'failed', error = $2, error_code = $3,
            finished_at = now()
      WHERE id = $1`,
    [request.id, text, code],
  );
  await failRide(pool, { park: request.park_id, ride: request.ride_id }, code, text);
}

async function failRide(
  db: Queryable,
  ref: { park: string; ride: string },
  code: string,
  text: string,
): Promise<void> {
  await db.query(
    `UPDATE ride_sources SET last_error = $3, last_error_code = $4,
            consecutive_failures = consecutive_failures + 1, last_attempt_at = now()
      WHERE park_id = $1 AND ride_id = $2`,
    [ref.park, ref.ride, text, code],
  );
}

async function finishRequest(
  db: Queryable,
  requestId: string,
  state: 'done' | 'failed',
  counts: PullCounts,
): Promise<void> {
  await db.query(
    `UPDATE download_requests SET state = $2, counts = $3, finished_at = now() WHERE id = $1`,
    [requestId, state, JSON.stringify(counts)],
  );
}
