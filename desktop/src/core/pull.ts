import { readFile, rm, stat } from 'node:fs/promises';
import {
  DEFAULT_DROP_LIMITS,
  parseDropFileName,
  type Manifest,
  type VerifyDropOptions,
  type VerifyResult,
} from '@zra/shared';
import type { Logger } from 'pino';
import type { RideConfig } from './config.ts';
import type { DropBuffer, PulledDrop } from './buffer/drop-buffer.ts';
import { fsyncFile } from './buffer/fsync.ts';
import { sha256File } from './buffer/hash-file.ts';
import type { GatewayClient, RemoteFile } from './gateway/gateway-client.ts';
import { SettleTracker } from './settle-tracker.ts';

/** Checks a drop zip; `verifyDrop` from `@zra/shared` in production. */
export type DropVerifier = (zip: Buffer, options: VerifyDropOptions) => VerifyResult;

/** What one pull of one ride did, for logs and status. */
export interface RidePullResult {
  ride: string;
  /** Files the gateway listed. */
  listed: number;
  /** New drops buffered for upload. */
  buffered: number;
  /** New drops kept locally with a reason, never uploaded. */
  quarantined: number;
  /** Files whose bytes or content were already buffered under another name. */
  duplicates: number;
  /** Files too young to be complete; pulled on a later round. */
  young: number;
  /** Files seen before with the same size and modification time. */
  known: number;
  /** Files that failed to download; the next round tries again. */
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
  /** The park this agent serves; a drop of another park is refused. */
  park: string;
  buffer: DropBuffer;
  /** Opens a connected client for the ride's gateway. */
  connect: (ride: RideConfig) => Promise<GatewayClient>;
  verify: DropVerifier;
  log: Logger;
  /** A file modified less than this long ago may still be being written. */
  minAgeMs: number;
  /**
   * Frees what may be freed and answers whether one more file fits in the buffer; asked
   * before each download. Unlimited when absent.
   */
  room?: () => Promise<boolean>;
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
  try {
    const files = await client.list(ride.remoteDir);
    result.listed = files.length;
    settle.prune(ride.id, new Set(files.map((f) => f.name)));
    // Oldest first, so a ride's drops enter the buffer (and the upload queue) in order.
    files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
    for (const file of files) {
      if (!/\.zip$/i.test(file.name)) continue;
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
      if (deps.room && !(await deps.room())) {
        // The gateway keeps the file; a later pull takes it once uploads have freed space.
        result.pausedForSpace = true;
        log.warn('the buffer is full; pulling pauses until uploads free space');
        break;
      }
      try {
        const outcome = await pullFile(client, ride, file, deps, log);
        result[outcome]++;
        if (outcome !== 'duplicates') result.bytes += file.size;
        if (outcome !== 'quarantined') await cleanUp(client, ride, file.name, result, log);
      } catch (err) {
        if (isDiskFull(err)) {
          // Every further download would fail the same way: the rest waits on the gateway.
          const error = `the agent's disk is full (no space left in ${deps.buffer.blobs.tmpDir}): free space there; the file stays on the gateway and the next pull tries again`;
          log.error({ file: file.name, err }, error);
          result.failed.push({ name: file.name, error });
          break;
        }
        const error = (err as Error).message;
        log.warn({ file: file.name, err }, 'pulling a file failed; trying again next round');
        result.failed.push({ name: file.name, error });
      }
    }
  } finally {
    await client.close();
  }
  return result;
}

/** ENOSPC, as Node reports it or as ssh2-sftp-client rewraps it (code kept, text prefixed). */
function isDiskFull(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === 'ENOSPC' || (typeof e.message === 'string' && e.message.includes('ENOSPC'));
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
    if (action === 'delete') await client.remove(ride.remoteDir, name);
    else await client.move(ride.remoteDir, name, action.moveTo);
    result.cleanedUp++;
    log.info(
      { file: name, action: action === 'delete' ? 'deleted' : `moved to ${action.moveTo}` },
      'gateway file handled after buffering',
    );
  } catch (err) {
    const error = `could not ${action === 'delete' ? 'delete' : `move to ${action.moveTo}`} the file on the gateway: ${(err as Error).message}; the next pull tries again`;
    log.warn({ file: name, err }, error);
    result.cleanupFailed.push({ name, error });
  }
}

async function pullFile(
  client: GatewayClient,
  ride: RideConfig,
  file: RemoteFile,
  deps: PullDeps,
  log: Logger,
): Promise<'buffered' | 'quarantined' | 'duplicates'> {
  const tmp = deps.buffer.blobs.tmpPath(file.name);
  try {
    await client.download(ride.remoteDir, file.name, tmp);
    await fsyncFile(tmp);
    const { size } = await stat(tmp);
    if (size !== file.size) {
      // Written to while we copied it: not a settled drop yet.
      throw new Error(`the file changed while downloading (${file.size} -> ${size} bytes)`);
    }
    const sha256 = await sha256File(tmp);
    // Only read into memory what the verifier would accept anyway.
    const verdict =
      size > DEFAULT_DROP_LIMITS.maxZipBytes
        ? null
        : deps.verify(await readFile(tmp), { fileName: file.name });
    if (verdict?.ok) checkBelongs(verdict.manifest, deps.park, ride.id);
    const drop = describe(ride.id, file.name, size, sha256, verdict);
    const remote = { ride: ride.id, name: file.name, size: file.size, mtimeMs: file.mtimeMs };
    const { outcome, drop: recorded } = await deps.buffer.recordPulledFile(tmp, remote, drop);
    if (outcome === 'duplicate') {
      log.info(
        { file: file.name, sha256, sameAs: recorded.fileName },
        'file holds a drop already buffered; not recorded again',
      );
      return 'duplicates';
    }
    if (drop.state === 'quarantined') {
      log.warn(
        { file: file.name, sha256, code: drop.reasonCode, reason: drop.reason },
        'drop quarantined',
      );
      return 'quarantined';
    }
    log.info({ file: file.name, sha256, contentId: drop.contentId, bytes: size }, 'drop buffered');
    return 'buffered';
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * A valid drop of another park or ride means the configuration points at the wrong gateway
 * directory. It is not recorded (quarantine is final, and the fix is in the config), so it
 * fails loudly each round until the config is corrected.
 */
export function checkBelongs(manifest: Manifest, park: string, ride: string): void {
  if (manifest.park !== park) {
    throw new Error(
      `the drop belongs to park "${manifest.park}", but this agent serves park "${park}": check the park id in the config`,
    );
  }
  if (manifest.ride !== ride) {
    throw new Error(
      `the drop belongs to ride "${manifest.ride}", not "${ride}": check this ride's remoteDir in the config`,
    );
  }
}

function describe(
  ride: string,
  fileName: string,
  bytes: number,
  sha256: string,
  verdict: VerifyResult | null,
): PulledDrop {
  if (verdict?.ok) {
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
  return {
    sha256,
    contentId: null,
    ride,
    fileName,
    sequence: named?.sequence ?? null,
    windowStart: named?.windowStart ?? null,
    windowEnd: null,
    bytes,
    state: 'quarantined',
    reasonCode: verdict ? verdict.code : 'too_large',
    reason: verdict
      ? verdict.reason
      : `The zip is ${bytes} bytes; the limit is ${DEFAULT_DROP_LIMITS.maxZipBytes} bytes.`,
  };
}
