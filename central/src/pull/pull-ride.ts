import { rm } from 'node:fs/promises';
import {
  byAppearance,
  checkDownload,
  connectGateway,
  downloadDrop,
  handleRemoteFile,
  remoteHandlingInWords,
  SettleTracker,
  type AfterBuffer,
  type ConnectionConfig,
  type DownloadChecker,
  type GatewayClient,
  type RemoteFile,
} from '@zra/gateway';
import { parseDropFileName, verifyDrop } from '@zra/shared';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { BlobStore } from '../blob/blob-store.ts';
import { infrastructureFault } from '../infra/infrastructure-fault.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import { JobStoppedError } from '../worker/run-job-binary.ts';
import { commitPulledDrop, type PulledFrom } from './commit-pulled-drop.ts';
import { gatewayFailure } from './pull-failure.ts';
import { loadSightings, saveSightings } from './settle-sightings.ts';

/** What one download of one ride did; stored with its request and shown to people. */
export interface PullCounts {
  /** `.zip` files the gateway listed in the ride's folder. */
  listed: number;
  /** New drops committed (stored for post-processing). */
  stored: number;
  /** Files whose content the park already had (from either path). */
  duplicates: number;
  /** Files rejected with a reason (kept on the gateway, shown in the quarantine). */
  quarantined: number;
  /** Files still being written (settle rule); a later pull takes them. */
  young: number;
  /** Files that failed on their own (changed while downloading); the next pull tries again. */
  failed: number;
  /** Files deleted or moved on the gateway after they were committed. */
  cleanedUp: number;
  /** Deletes or moves that failed; the next pull tries again. */
  cleanupFailed: number;
  /** Files on the gateway not pulled yet after this download (young, failed, or left for the next job). */
  waiting: number;
}

/** A download of one ride as the job runs it. */
export interface RidePull {
  park: ParkIdentity;
  ride: string;
  connection: ConnectionConfig;
  remoteDir: string;
  afterDownload: AfterBuffer;
  minAgeMs: number;
  /** Connect and list only (a connection check): nothing is downloaded. */
  listOnly: boolean;
  /** Backfill: files whose window starts at or after this instant, pulled even if known. */
  since: Date | null;
  /** A continuation: only files after this one in listing order. */
  after: { mtimeMs: number; name: string } | null;
  /** Files this job takes at most; what is left is queued as the next job. */
  maxFiles: number;
}

export interface PullDeps {
  pool: pg.Pool;
  blobs: BlobStore;
  log: Logger;
  /** The worker is stopping: stop between files, the message goes back to the queue. */
  stop?: AbortSignal;
  now?: () => number;
  /** The host key the gateway presented (recorded on the ride, shown to the admin). */
  onHostKey?: (fingerprint: string) => Promise<void>;
}

/** How a download ended. */
export interface PullResult {
  counts: PullCounts;
  /** Files were left for the next job: it resumes after this one. */
  continueAfter: { mtimeMs: number; name: string } | null;
}

interface KnownFile {
  outcome: string;
  remote_handled: string | null;
}

/**
 * Pulls one ride the way the original `sftp_downloader` did, on @zra/gateway (the agent's own
 * gateway code): connects (the pinned host key first, no credential to an unknown host),
 * lists the folder oldest first, skips files already pulled and files still being written
 * (the settle rule, its sightings kept in PostgreSQL between job pods), downloads at most
 * `maxFiles` files one after the other to a temp file under BLOB_DIR/tmp (fsync, SHA-256,
 * `verifyDrop`), commits each through the ingest's commit (commit-pulled-drop.ts), then
 * keeps, deletes or moves the gateway copy. A gateway failure ends the download with a
 * `JobFailureError` whose sentence people read; the drops committed before it stay.
 */
export async function pullRide(pull: RidePull, deps: PullDeps): Promise<PullResult> {
  const log = deps.log.child({ park: pull.park.id, ride: pull.ride });
  const now = deps.now ?? Date.now;
  const counts: PullCounts = {
    listed: 0,
    stored: 0,
    duplicates: 0,
    quarantined: 0,
    young: 0,
    failed: 0,
    cleanedUp: 0,
    cleanupFailed: 0,
    waiting: 0,
  };
  const client = await connect(pull, deps);
  const from: PulledFrom = { park: pull.park, ride: pull.ride, remoteDir: pull.remoteDir };
  try {
    const files = (
      await gatewayCall(() => client.list(pull.remoteDir), `listing "${pull.remoteDir}"`)
    )
      .filter((f) => /\.zip$/i.test(f.name))
      .sort(byAppearance);
    counts.listed = files.length;
    const known = await knownFiles(deps.pool, from, files);
    const isKnown = (f: RemoteFile) => known.has(fileKey(f));
    const unknown = files.filter((f) => !isKnown(f));
    if (pull.listOnly) {
      counts.waiting = unknown.length;
      return { counts, continueAfter: null };
    }
    // Recorded earlier but still here: its delete or move failed, or the job stopped before it.
    if (pull.afterDownload !== 'keep') {
      for (const f of files) {
        const k = known.get(fileKey(f));
        if (
          k &&
          k.remote_handled === null &&
          k.outcome !== 'quarantined' &&
          k.outcome !== 'deleted'
        ) {
          await cleanUp(client, pull, from, f, counts, deps, log);
        }
      }
    }
    const wanted = files.filter(
      (f) => afterCursor(f, pull.after) && (pull.since ? fromDay(f, pull.since) : !isKnown(f)),
    );
    const settle = new SettleTracker(pull.minAgeMs);
    await loadSightings(deps.pool, from, settle);
    const at = now();
    const settled = wanted.filter((f) => settle.isSettled(pull.ride, f, at));
    const young = wanted.filter((f) => !settled.includes(f));
    await saveSightings(deps.pool, from, settle, young);
    counts.young = young.length;
    const batch = settled.slice(0, pull.maxFiles);
    const left = settled.length - batch.length;
    const check: DownloadChecker = (file, fileName, receivedAt) =>
      checkDownload(verifyDrop, file, fileName, receivedAt);
    for (const file of batch) {
      // A stopping worker ends between files: what is committed stays, the rest is redone.
      if (deps.stop?.aborted) throw new JobStoppedError('stopped between files');
      await pullFile(client, pull, from, file, check, counts, deps, log);
    }
    const handled = counts.stored + counts.duplicates + counts.quarantined;
    counts.waiting = Math.max(0, unknown.length - handled);
    const last = batch.at(-1);
    return {
      counts,
      continueAfter: left > 0 && last ? { mtimeMs: last.mtimeMs, name: last.name } : null,
    };
  } finally {
    await client.close();
  }
}

/** Opens the gateway, recording the host key it presented (pinned, new, or changed). */
async function connect(pull: RidePull, deps: PullDeps): Promise<GatewayClient> {
  try {
    const client = await connectGateway(pull.connection, deps.log);
    if (pull.connection.type === 'sftp' && pull.connection.hostKeySha256) {
      await deps.onHostKey?.(pull.connection.hostKeySha256);
    }
    return client;
  } catch (err) {
    const presented =
      (err as { presented?: unknown; got?: unknown }).presented ?? (err as { got?: unknown }).got;
    if (typeof presented === 'string') await deps.onHostKey?.(presented);
    throw gatewayFailure(err, 'connecting to the gateway');
  }
}

/** Downloads, checks and commits one file, then handles the gateway copy. */
async function pullFile(
  client: GatewayClient,
  pull: RidePull,
  from: PulledFrom,
  file: RemoteFile,
  check: DownloadChecker,
  counts: PullCounts,
  deps: PullDeps,
  log: Logger,
): Promise<void> {
  const tmp = deps.blobs.tmpPath('.pull.zip');
  try {
    const receivedAt = (deps.now ?? Date.now)();
    let checked;
    try {
      checked = await downloadDrop({
        client,
        dir: pull.remoteDir,
        file,
        tmp,
        check,
        now: () => receivedAt,
      });
    } catch (err) {
      const local = localStorageFault(err, tmp);
      if (local) throw local;
      if (/changed while downloading/.test((err as Error).message)) {
        // Still being written after all: not settled; the next pull takes it whole.
        counts.failed++;
        log.warn(
          { file: file.name },
          'the file changed while downloading; the next pull takes it again',
        );
        return;
      }
      throw gatewayFailure(err, `downloading ${file.name}`);
    }
    const committed = await commitPulledDrop(deps, from, file, tmp, checked, receivedAt);
    if (committed.outcome === 'stored') counts.stored++;
    else if (committed.outcome === 'duplicate') counts.duplicates++;
    else counts.quarantined++;
    log.info(
      { file: file.name, sha256: checked.sha256, ...committed },
      committed.outcome === 'quarantined' ? 'pulled file quarantined' : 'pulled file committed',
    );
    // A rejected file stays on the gateway, as the app's quarantine leaves it.
    if (committed.outcome !== 'quarantined')
      await cleanUp(client, pull, from, file, counts, deps, log);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Applies the ride's after-download handling; a failure is counted and retried next pull. */
async function cleanUp(
  client: GatewayClient,
  pull: RidePull,
  from: PulledFrom,
  file: RemoteFile,
  counts: PullCounts,
  deps: PullDeps,
  log: Logger,
): Promise<void> {
  const action = pull.afterDownload;
  let done: string;
  if (action === 'keep') {
    done = 'kept';
  } else {
    try {
      done = await handleRemoteFile(client, pull.remoteDir, file.name, action);
      counts.cleanedUp++;
    } catch (err) {
      counts.cleanupFailed++;
      log.warn(
        { file: file.name, err },
        `${file.name} is committed, but ${remoteHandlingInWords(action)} the gateway failed; the next pull tries again`,
      );
      return;
    }
  }
  await deps.pool.query(
    `UPDATE pulled_files SET remote_handled = $6
      WHERE park_id = $1 AND ride_id = $2 AND name = $3 AND size = $4 AND mtime_ms = $5`,
    [from.park.id, from.ride, file.name, file.size, file.mtimeMs, done],
  );
}

/** Runs a gateway operation; its failure is said as the gateway failure it is. */
async function gatewayCall<T>(work: () => Promise<T>, doing: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw gatewayFailure(err, doing);
  }
}

/** What central recorded of the listed files, by name, size and mtime. */
async function knownFiles(
  pool: pg.Pool,
  from: PulledFrom,
  files: RemoteFile[],
): Promise<Map<string, KnownFile>> {
  const r = await pool.query<KnownFile & { name: string; size: string; mtime_ms: string }>(
    `SELECT name, size, mtime_ms, outcome, remote_handled FROM pulled_files
      WHERE park_id = $1 AND ride_id = $2 AND name = ANY($3)`,
    [from.park.id, from.ride, files.map((f) => f.name)],
  );
  return new Map(
    r.rows.map((row) => [
      fileKey({ name: row.name, size: Number(row.size), mtimeMs: Number(row.mtime_ms) }),
      row,
    ]),
  );
}

function fileKey(f: RemoteFile): string {
  return `${f.name}\u0000${f.size}\u0000${f.mtimeMs}`;
}

/** A continuation takes only what the job before it left: files after its last one. */
function afterCursor(f: RemoteFile, after: RidePull['after']): boolean {
  return after === null || byAppearance(f, { ...after, size: 0 }) > 0;
}

/** Backfill: the file's window (from its drop name, else its mtime) starts on or after `since`. */
function fromDay(f: RemoteFile, since: Date): boolean {
  const named = parseDropFileName(f.name);
  const start = named ? Date.parse(named.windowStart) : f.mtimeMs;
  return start >= since.getTime();
}

/** Codes of a local write that failed; an SFTP server reports its own failures otherwise. */
const LOCAL_STORAGE_CODES = ['ENOSPC', 'EDQUOT', 'EROFS'];

/**
 * The temp file under BLOB_DIR/tmp could not be written (disk full, read-only): the blob
 * store's outage, not the gateway's. Told as a file-system error, so the worker waits it out
 * holding the message instead of failing the ride.
 */
function localStorageFault(err: unknown, tmp: string): Error | null {
  const e = err as { code?: unknown; message?: unknown };
  const code = LOCAL_STORAGE_CODES.find(
    (c) => e?.code === c || (typeof e?.message === 'string' && e.message.includes(c)),
  );
  if (!code) return null;
  const fault = Object.assign(new Error(`writing the downloaded file failed (${code})`), {
    code,
    syscall: 'write',
    path: tmp,
    cause: err,
  });
  return infrastructureFault(fault) ? fault : null;
}
