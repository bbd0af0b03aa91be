import { rm, statfs } from 'node:fs/promises';
import { DEFAULT_DROP_LIMITS, parseDropFileName, Semaphore, type VerifyResult } from '@zra/shared';
import type { Logger } from 'pino';
import type { RideConfig } from '../settings/config.ts';
import type { DropBuffer, PulledDrop } from '../buffer/drop-buffer.ts';
import {
  byAppearance,
  checkDownload,
  downloadDrop,
  handleRemoteFile,
  remoteHandlingInWords,
  SettleTracker,
  type DownloadCheck,
  type DownloadChecker,
  type DropVerifier,
  type GatewayClient,
  type RemoteFile,
} from '@zra/gateway';
import { misplacedDrop, type Misplaced } from './drop-belongs.ts';
import { errorForPeople } from '../error-for-people.ts';

export type { DropVerifier } from '@zra/gateway';

/** A file this pull quarantined: its name and the verdict, for the activity log. */
export interface QuarantinedFile {
  name: string;
  code: string;
  reason: string;
}

/** What one pull of one ride did, for logs and status. */
export interface RidePullResult {
  ride: string;
  /** Files the gateway listed. */
  listed: number;
  /** New drops buffered for upload. */
  buffered: number;
  /** New drops kept locally with a reason, never uploaded. */
  quarantined: number;
  /** Those files, each with its verdict (code and reason). */
  quarantinedFiles: QuarantinedFile[];
  /** Files whose bytes or content were already buffered under another name. */
  duplicates: number;
  /** Files too young to be complete; pulled on a later round. */
  young: number;
  /** Files seen before with the same size and modification time. */
  known: number;
  /** Files that could not be pulled (download, disk, database); the next round tries again. */
  failed: { name: string; error: string }[];
  /** Files deleted or moved on the gateway after buffering (`afterBuffer`). */
  cleanedUp: number;
  /** Files whose deletion or move failed; the next pull tries again. */
  cleanupFailed: { name: string; error: string }[];
  /** Bytes downloaded into the buffer as new drops (buffered or quarantined). */
  bytes: number;
  /** The buffer reached its cap during this pull; the remaining files wait on the gateway. */
  pausedForSpace: boolean;
}

export interface PullDeps {
  /** The park this agent serves; a drop of another park is quarantined (`park_mismatch`). */
  park: string;
  buffer: DropBuffer;
  /** Opens a connected client for the ride's gateway. */
  connect: (ride: RideConfig) => Promise<GatewayClient>;
  verify: DropVerifier;
  /**
   * Reads, hashes and verifies a downloaded file, e.g. on a verifier thread
   * (verifier-pool.ts); `verify` on this thread when absent.
   */
  check?: DownloadChecker;
  /** Downloads at once on the ride's connection (default 4). */
  downloadsInFlight?: number;
  log: Logger;
  /** A file modified less than this long ago may still be being written. */
  minAgeMs: number;
  /**
   * Frees what may be freed and answers whether one more file fits in the buffer, counting
   * `pendingBytes` of files this pull downloaded but has not recorded yet; asked before each
   * download. Unlimited when absent.
   */
  room?: (pendingBytes: number) => Promise<boolean>;
  /** Remembers listings across rounds (see SettleTracker); a fresh one per pull otherwise. */
  settle?: SettleTracker;
  now?: () => number;
}

/**
 * Pulls one ride: lists its gateway directory, downloads each new, settled `.zip` to a temp
 * file, fsyncs, verifies and records it (buffered, or quarantined with the reason).
 * Connection errors (including a changed host key) reject before anything is recorded;
 * a failing file is reported and left for the next round.
 */
export async function pullRide(ride: RideConfig, deps: PullDeps): Promise<RidePullResult> {
  const log = deps.log.child({ ride: ride.id });
  const now = deps.now ?? Date.now;
  const settle = deps.settle ?? new SettleTracker(deps.minAgeMs);
  const result: RidePullResult = {
    ride: ride.id,
    listed: 0,
    buffered: 0,
    quarantined: 0,
    quarantinedFiles: [],
    duplicates: 0,
    young: 0,
    known: 0,
    failed: [],
    cleanedUp: 0,
    cleanupFailed: [],
    pausedForSpace: false,
    bytes: 0,
  };
  const client = await deps.connect(ride);
  const check: DownloadChecker =
    deps.check ??
    ((file, fileName, receivedAt) => checkDownload(deps.verify, file, fileName, receivedAt));
  let downloads = new Semaphore(Math.max(1, deps.downloadsInFlight ?? DEFAULT_DOWNLOADS_IN_FLIGHT));
  // Files downloaded or being checked, not yet recorded, oldest first. Recording stays in list
  // order, one file at a time, on this thread: the buffer's duplicate check and blob adoption
  // are one step per file, and a ride's drops enter the upload queue in order.
  const pending: Pending[] = [];
  // Files to fetch again, one at a time, before the rest of the listing (see below).
  const again: RemoteFile[] = [];
  let pendingBytes = 0;
  let stopped = false;
  /** Forgets the pending files' downloads: their temp files go, the gateway keeps them. */
  const discardPending = async (): Promise<RemoteFile[]> => {
    const dropped = pending.splice(0);
    pendingBytes = 0;
    for (const p of dropped) {
      await p.fetched;
      await rm(p.tmp, { force: true });
    }
    return dropped.map((p) => p.file);
  };
  /** Records the oldest pending file; stops the pull when the disk is full. */
  const recordOldest = async (): Promise<void> => {
    const next = pending.shift();
    if (!next) return;
    pendingBytes -= next.file.size;
    const got = await next.fetched;
    if ((await recordFetched(client, ride, next, got, deps, result, log)) === 'done') return;
    if (downloads.size > 1) {
      // The files downloading alongside may be what filled the disk: drop them and fetch
      // this one and those again one at a time, so a file fails for lack of space only
      // when it does not fit on its own (as without parallel downloads).
      again.push(next.file, ...(await discardPending()));
      downloads = new Semaphore(1);
      return;
    }
    const error = `the agent's disk is full (no space left in ${deps.buffer.blobs.tmpDir}): free space there; the file stays on the gateway and the next pull tries again`;
    log.error({ file: next.file.name }, error);
    result.failed.push({ name: next.file.name, error });
    stopped = true;
  };
  try {
    const files = await client.list(ride.remoteDir);
    result.listed = files.length;
    settle.prune(ride.id, new Set(files.map((f) => f.name)));
    // Oldest first, so a ride's drops enter the buffer (and the upload queue) in the order
    // they appeared (rule R2: a later revision of a ride-window must reach central last).
    files.sort(byAppearance);
    let listed = 0;
    /** The next file to download: one to fetch again, else the next new, settled zip. */
    const nextFile = async (): Promise<RemoteFile | undefined> => {
      const retry = again.shift();
      if (retry) return retry;
      while (listed < files.length) {
        const file = files[listed++];
        if (!file || !/\.zip$/i.test(file.name)) continue;
        const ref = { ride: ride.id, name: file.name, size: file.size, mtimeMs: file.mtimeMs };
        if (deps.buffer.isKnownRemoteFile(ref)) {
          result.known++;
          // Recorded earlier but still here: the cleanup failed or the agent stopped before it.
          if (ride.afterBuffer !== 'keep') {
            const state = deps.buffer.remoteFileDropState(ride.id, file.name);
            if (state !== undefined && state !== 'quarantined') {
              await cleanUp(client, ride, file.name, result, log);
            }
          }
          continue;
        }
        if (!settle.isSettled(ride.id, file, now())) {
          result.young++;
          continue;
        }
        return file;
      }
      return undefined;
    };
    for (;;) {
      // A bounded window: at most twice the downloads in flight wait unrecorded.
      while (pending.length >= downloads.size * 2 && !stopped) await recordOldest();
      if (stopped) break;
      const file = await nextFile();
      if (!file) {
        if (pending.length === 0) break;
        await recordOldest();
        continue;
      }
      if (deps.room && !(await deps.room(pendingBytes))) {
        // The gateway keeps the file; a later pull takes it once uploads have freed space.
        result.pausedForSpace = true;
        log.warn('the buffer is full; pulling pauses until uploads free space');
        break;
      }
      if (
        pending.length > 0 &&
        !(await hasSpareRoom(deps.buffer.blobs.tmpDir, pendingBytes + file.size))
      ) {
        // The disk is nearly full: download as without parallelism, one file after another,
        // so a file fails for lack of space only when it does not fit on its own.
        while (pending.length > 0 && !stopped) await recordOldest();
        if (stopped) break;
        if (again.length > 0) {
          again.push(file);
          continue;
        }
      }
      const tmp = deps.buffer.blobs.tmpPath(file.name);
      pending.push({
        file,
        tmp,
        fetched: downloadDrop({
          client,
          dir: ride.remoteDir,
          file,
          tmp,
          check,
          now,
          slots: downloads,
        }).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      });
      pendingBytes += file.size;
    }
    while (pending.length > 0 && !stopped) await recordOldest();
  } finally {
    // Stopped early (full disk, or an error): files fetched after the stop are not recorded;
    // they stay on the gateway as if never tried.
    await discardPending();
    await client.close();
  }
  return result;
}

// The order files appeared in lives with the gateway code, which central's pull uses too.
export { byAppearance };

/** Free space beyond the files in flight below which downloads go one at a time. */
const SPARE_DISK_BYTES = 64 * 1024 * 1024;

/** Whether `dir`'s file system has `bytes` free plus a margin (for SQLite, logs, others). */
async function hasSpareRoom(dir: string, bytes: number): Promise<boolean> {
  try {
    const { bavail, bsize } = await statfs(dir);
    return bavail * bsize >= bytes + SPARE_DISK_BYTES;
  } catch {
    return false;
  }
}

/** Downloads per SFTP connection at once: 4 measured 11 ms per drop against 18–27 ms for 1. */
const DEFAULT_DOWNLOADS_IN_FLIGHT = 4;

interface Pending {
  file: RemoteFile;
  tmp: string;
  fetched: Promise<Fetched>;
}

type Fetched = { ok: true; value: DownloadCheck } | { ok: false; error: unknown };

/**
 * Records one fetched file (or its failure) and applies `afterBuffer`. Answers `diskFull`,
 * recording nothing, when the disk is full: the caller decides whether to retry or stop.
 */
async function recordFetched(
  client: GatewayClient,
  ride: RideConfig,
  { file, tmp }: Pending,
  got: Fetched,
  deps: PullDeps,
  result: RidePullResult,
  log: Logger,
): Promise<'done' | 'diskFull'> {
  try {
    if (!got.ok) throw got.error;
    const outcome = await recordFile(ride, file, tmp, got.value, deps, log, result);
    result[outcome]++;
    if (outcome !== 'duplicates') result.bytes += file.size;
    if (outcome !== 'quarantined') await cleanUp(client, ride, file.name, result, log);
    return 'done';
  } catch (err) {
    if (isDiskFull(err)) {
      log.warn({ file: file.name, err }, 'no space left for the file');
      return 'diskFull';
    }
    const error = `${errorForPeople(err, `pulling ${file.name}`)}; the file stays on the gateway and the next pull tries again`;
    log.warn({ file: file.name, err }, 'pulling a file failed; trying again next round');
    result.failed.push({ name: file.name, error });
    return 'done';
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * ENOSPC, as Node reports it or as ssh2-sftp-client rewraps it (code kept, text prefixed), or
 * SQLite's "database or disk is full".
 */
function isDiskFull(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return (
    e.code === 'ENOSPC' ||
    e.code === 'SQLITE_FULL' ||
    (typeof e.message === 'string' && e.message.includes('ENOSPC'))
  );
}

/**
 * Applies the ride's `afterBuffer` to a file whose drop is recorded (so the gateway copy is
 * no longer the only one). A failure is reported and retried on the next pull.
 */
async function cleanUp(
  client: GatewayClient,
  ride: RideConfig,
  name: string,
  result: RidePullResult,
  log: Logger,
): Promise<void> {
  const action = ride.afterBuffer;
  if (action === 'keep') return;
  try {
    const done = await handleRemoteFile(client, ride.remoteDir, name, action);
    result.cleanedUp++;
    log.info({ file: name, action: done }, 'gateway file handled after buffering');
  } catch (err) {
    const error = `${name} is safe in the buffer, but ${remoteHandlingInWords(action)} the gateway failed: ${errorForPeople(err, `cleaning up ${name} on the gateway`)}; the next pull tries again`;
    log.warn({ file: name, err }, error);
    result.cleanupFailed.push({ name, error });
  }
}

async function recordFile(
  ride: RideConfig,
  file: RemoteFile,
  tmp: string,
  { size, sha256, verdict }: DownloadCheck,
  deps: PullDeps,
  log: Logger,
  result: RidePullResult,
): Promise<'buffered' | 'quarantined' | 'duplicates'> {
  const misplaced = verdict?.ok ? misplacedDrop(verdict.manifest, deps.park, ride) : null;
  const drop = describe(ride.id, file.name, size, sha256, verdict, misplaced);
  const remote = { ride: ride.id, name: file.name, size: file.size, mtimeMs: file.mtimeMs };
  const { outcome, drop: recorded } = await deps.buffer.recordPulledFile(tmp, remote, drop);
  if (outcome === 'duplicate') {
    log.info(
      { file: file.name, sha256, sameAs: recorded.fileName },
      drop.state === 'quarantined'
        ? 'file already quarantined with the same bytes; not recorded again'
        : 'file holds a drop already buffered; not recorded again',
    );
    return 'duplicates';
  }
  if (drop.state === 'quarantined') {
    log.warn(
      { file: file.name, sha256, code: drop.reasonCode, reason: drop.reason },
      'drop quarantined',
    );
    result.quarantinedFiles.push({
      name: file.name,
      code: drop.reasonCode ?? 'unknown',
      reason: drop.reason ?? '',
    });
    return 'quarantined';
  }
  log.info({ file: file.name, sha256, contentId: drop.contentId, bytes: size }, 'drop buffered');
  return 'buffered';
}

/** What the record of a checked file says: a valid drop, or a quarantined file and why. */
function describe(
  ride: string,
  fileName: string,
  bytes: number,
  sha256: string,
  verdict: VerifyResult | null,
  misplaced: Misplaced | null,
): PulledDrop {
  if (verdict?.ok && !misplaced) {
    return {
      sha256,
      contentId: verdict.contentId,
      ride,
      fileName,
      sequence: verdict.manifest.sequence,
      windowStart: verdict.manifest.window.start,
      windowEnd: verdict.manifest.window.end,
      bytes,
      state: 'buffered',
      reasonCode: null,
      reason: null,
    };
  }
  const named = parseDropFileName(fileName);
  const rejection = misplaced ?? (verdict && !verdict.ok ? verdict : null);
  return {
    sha256,
    // A quarantined file's content is not trusted: it is nobody's content id.
    contentId: null,
    ride,
    fileName,
    sequence: verdict?.ok ? verdict.manifest.sequence : (named?.sequence ?? null),
    windowStart: verdict?.ok ? verdict.manifest.window.start : (named?.windowStart ?? null),
    windowEnd: verdict?.ok ? verdict.manifest.window.end : null,
    bytes,
    state: 'quarantined',
    reasonCode: rejection ? rejection.code : 'too_large',
    reason: rejection
      ? rejection.reason
      : `The zip is ${bytes} bytes; the limit is ${DEFAULT_DROP_LIMITS.maxZipBytes} bytes.`,
  };
}
