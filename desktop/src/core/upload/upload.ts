import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { TRPCClientError } from '@trpc/client';
import type { Logger } from 'pino';
import type { DropBuffer } from '../buffer/drop-buffer.ts';
import type { DropRecord } from '../buffer/drop-record.ts';
import { blobIntact } from '../buffer/blob-intact.ts';
import type { CentralClient } from '../central/central-client.ts';
import { centralErrorCode as codeOf, describeCentralError } from '../central/central-error.ts';
import { sendChunk } from './send-chunk.ts';
import { sendDrop, type PutAnswer } from './send-drop.ts';

/** What one upload round did. */
export interface UploadRoundResult {
  /** Drops central now holds (stored, already known, or quarantined by central). */
  acknowledged: number;
  /** Of those, how many central already had. */
  duplicates: number;
  /** Of those, how many central refused as invalid (shown with the reason). */
  quarantinedByCentral: number;
  /** Drops whose upload failed this round; they stay buffered for the next one. */
  failed: number;
  /** Drops central refused as bad input too often; now `rejected`, never sent again. */
  rejected: number;
  /** Drops still waiting after this round. */
  remaining: number;
  /** Drops whose local copy was damaged; forgotten so the gateway copy is pulled again. */
  damaged: number;
  /**
   * Drops not sent this round because an earlier revision of their ride-window failed in it:
   * central keeps the newest commit of a ride-window, so the order must hold (rule R2).
   */
  heldBack: number;
  /** Seconds central asked the agent to wait (rate limit), when it did. */
  retryAfterS?: number;
  /** Why the round stopped early (central unreachable, token refused), if it did. */
  error: string | null;
}

export interface UploadDeps {
  buffer: DropBuffer;
  client: CentralClient;
  log: Logger;
  /**
   * Bytes per chunk request; central accepts at most 8 MiB. A drop no larger goes whole, in one
   * request.
   */
  chunkBytes: number;
  /** Bad-input refusals after which a drop is `rejected` (default 3). */
  maxRejections?: number;
  /**
   * Whether central answered since the link last failed. While it has not, a round's first
   * drop goes chunked: `begin` finds out whether central is there before any blob is read and
   * hashed for a put, so a park offline for days does not re-hash its oldest drop every round.
   * Absent: assumed reachable.
   */
  centralOnline?: () => boolean;
  /** Waits until a chunk of this many bytes may be sent (the bandwidth limit); none when absent. */
  throttle?: (bytes: number) => Promise<void>;
}

/** Refusals of central that mean "this drop, as sent, is wrong": retrying will not fix it. */
const BAD_INPUT_CODES = new Set(['BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'UNPROCESSABLE_CONTENT']);

/** A chunk offset central disagrees with can be re-synchronised a few times, not forever. */
const MAX_RESYNCS = 3;

/**
 * Uploads every buffered drop, oldest pull first: `begin` (central answers "duplicate" for a
 * SHA-256 it has), chunks from the offset central holds, `commit`. Central's answer is
 * recorded and the drop is `acknowledged`. Any failure leaves the drop buffered with the
 * error; a failure that would hit every drop (network, token) ends the round. A drop central
 * keeps refusing as bad input ends `rejected` with central's reason instead of looping.
 */
export async function uploadBuffered(deps: UploadDeps): Promise<UploadRoundResult> {
  const result: UploadRoundResult = {
    acknowledged: 0,
    duplicates: 0,
    quarantinedByCentral: 0,
    failed: 0,
    rejected: 0,
    remaining: 0,
    damaged: 0,
    heldBack: 0,
    error: null,
  };
  // Ride-windows whose earlier revision failed this round and stays queued: their later
  // revisions wait for the next round, where the earlier one goes first again.
  const blocked = new Set<string>();
  let reached = deps.centralOnline?.() ?? true;
  for (const sha256 of deps.buffer.uploadQueueShas()) {
    // One record at a time: the backlog of a park offline for days may be tens of thousands.
    const drop = deps.buffer.get(sha256);
    if (!drop || (drop.state !== 'buffered' && drop.state !== 'uploading')) continue;
    const log = deps.log.child({ sha256: drop.sha256, fileName: drop.fileName, ride: drop.ride });
    const window = rideWindowOf(drop);
    if (window !== null && blocked.has(window)) {
      result.heldBack++;
      log.info('an earlier revision of this ride-window failed this round; this one waits for it');
      continue;
    }
    try {
      const status = await uploadDrop(drop, deps, log, reached);
      if (status === 'damaged') {
        log.error('the buffered copy is damaged; forgetting it so it is pulled again');
        await deps.buffer.forgetDamaged(drop.sha256);
        result.damaged++;
        continue;
      }
      reached = true;
      result.acknowledged++;
      if (status === 'duplicate') result.duplicates++;
      if (status === 'quarantined') result.quarantinedByCentral++;
    } catch (err) {
      const message = describeCentralError(err, `uploading ${drop.fileName}`);
      if (BAD_INPUT_CODES.has(codeOf(err) ?? '')) {
        const max = deps.maxRejections ?? 3;
        if (deps.buffer.markUploadRejected(drop.sha256, message, max)) {
          result.rejected++;
          log.error(
            { err, reason: message },
            `central refused the drop as bad input ${max} times; it is rejected and not sent again`,
          );
        } else {
          result.failed++;
          if (window !== null) blocked.add(window);
          log.warn({ err, reason: message }, 'central refused the drop; trying again next round');
        }
        continue;
      }
      deps.buffer.markUploadFailed(drop.sha256, message);
      result.failed++;
      if (window !== null) blocked.add(window);
      log.warn({ err, reason: message }, 'upload failed; the drop stays buffered');
      if (affectsEveryDrop(err)) {
        result.error = message;
        const retryAfterS = retryAfterOf(err);
        if (retryAfterS !== undefined) result.retryAfterS = retryAfterS;
        break;
      }
    }
  }
  result.remaining = deps.buffer.backlog().drops;
  return result;
}

/** A drop's ride-window (ride and window start as an instant); null when not known. */
function rideWindowOf(drop: DropRecord): string | null {
  if (drop.windowStart === null) return null;
  return `${drop.ride}\u0000${Date.parse(drop.windowStart)}`;
}

type UploadOutcome = 'stored' | 'duplicate' | 'quarantined' | 'damaged';

/**
 * One drop: whole, in one request, when it fits in a chunk (most do), central takes that and
 * is known to be there (`reached`); otherwise chunked.
 */
async function uploadDrop(
  drop: DropRecord,
  deps: UploadDeps,
  log: Logger,
  reached: boolean,
): Promise<UploadOutcome> {
  if (drop.contentId === null) throw new Error('a buffered drop without a content id');
  deps.buffer.markUploading(drop.sha256);
  if (reached && drop.bytes <= deps.chunkBytes) {
    const outcome = await putDrop(drop, drop.contentId, deps);
    if (outcome === 'damaged') return outcome;
    if (outcome) return acknowledge(drop, outcome, deps.buffer, log);
  }
  return uploadChunked(drop, deps, log);
}

/**
 * `ingest.put`: the blob read once, its SHA-256 checked in memory (central would refuse bytes
 * that changed on disk: `damaged`, nothing sent), then sent whole. Null when central does not
 * know the call (send-drop.ts). A drop central already has costs its bytes on the wire here,
 * where `begin` would have saved them: that is a retry after a lost answer, which is rare.
 */
async function putDrop(
  drop: DropRecord,
  contentId: string,
  deps: UploadDeps,
): Promise<PutAnswer | 'damaged' | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(deps.buffer.blobs.blobPath(drop.sha256));
  } catch {
    // Missing or unreadable: no better than damaged.
    return 'damaged';
  }
  if (createHash('sha256').update(bytes).digest('hex') !== drop.sha256) return 'damaged';
  // The bytes are the drop's, but its record says otherwise: a failure of this drop, as when a
  // chunk comes up short, and the record is not trusted for the size central is told.
  if (bytes.length !== drop.bytes) {
    throw new Error(`the blob holds ${bytes.length} bytes, not the ${drop.bytes} recorded`);
  }
  await deps.throttle?.(bytes.length);
  const { sha256, fileName } = drop;
  return sendDrop(deps.client, { sha256, contentId, bytes: bytes.length, fileName }, bytes);
}

/**
 * A drop chunked: `begin`, then, when central needs the bytes, a SHA-256 check of the blob
 * (central would refuse bytes that changed on disk: `damaged`, nothing sent), the chunks and
 * `commit`. The check comes after `begin`: a drop central already has needs no hashing, and
 * while central is away no round re-hashes the oldest blob of the backlog just to find it gone.
 */
async function uploadChunked(
  drop: DropRecord,
  deps: UploadDeps,
  log: Logger,
): Promise<UploadOutcome> {
  const { buffer, client } = deps;
  const begin = () =>
    client.ingest.begin.mutate({
      sha256: drop.sha256,
      contentId: drop.contentId ?? '',
      bytes: drop.bytes,
      fileName: drop.fileName,
    });
  const begun = await begin();
  if (begun.status === 'duplicate') {
    buffer.markAcknowledged(drop.sha256, { batchId: begun.batchId, status: 'duplicate' });
    log.info({ batchId: begun.batchId }, 'central already has this drop');
    return 'duplicate';
  }

  if (!(await blobIntact(buffer, drop.sha256))) return 'damaged';
  const blob = await open(buffer.blobs.blobPath(drop.sha256), 'r');
  try {
    let offset = begun.offset;
    let resyncs = 0;
    while (offset < drop.bytes) {
      const length = Math.min(deps.chunkBytes, drop.bytes - offset);
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await blob.read(chunk, 0, length, offset);
      if (bytesRead !== length) {
        throw new Error(`the blob is shorter than the ${drop.bytes} bytes recorded`);
      }
      await deps.throttle?.(length);
      try {
        offset = (await sendChunk(client, { uploadId: begun.uploadId, offset }, chunk)).offset;
      } catch (err) {
        // Central holds another end (a chunk answered after we gave up on it): ask again.
        if (codeOf(err) !== 'CONFLICT' || ++resyncs > MAX_RESYNCS) throw err;
        const again = await begin();
        if (again.status === 'duplicate') {
          buffer.markAcknowledged(drop.sha256, { batchId: again.batchId, status: 'duplicate' });
          return 'duplicate';
        }
        offset = again.offset;
      }
    }
  } finally {
    await blob.close();
  }

  const committed = await client.ingest.commit.mutate({ uploadId: begun.uploadId });
  return acknowledge(drop, committed, buffer, log);
}

/** Central's answer to a commit (or a put), recorded: the drop is `acknowledged`. */
function acknowledge(
  drop: DropRecord,
  committed: PutAnswer,
  buffer: DropBuffer,
  log: Logger,
): UploadOutcome {
  if (committed.status === 'quarantined') {
    buffer.markAcknowledged(drop.sha256, {
      batchId: committed.batchId,
      status: 'quarantined',
      reasonCode: committed.code,
      reason: committed.reason,
    });
    log.warn(
      { batchId: committed.batchId, code: committed.code, reason: committed.reason },
      'central quarantined the drop',
    );
  } else {
    buffer.markAcknowledged(drop.sha256, {
      batchId: committed.batchId,
      status: committed.status,
    });
    log.info({ batchId: committed.batchId, status: committed.status }, 'drop acknowledged');
  }
  return committed.status;
}

/** The wait central's rate limit asked for (`data.retryAfterS` of a TOO_MANY_REQUESTS). */
function retryAfterOf(err: unknown): number | undefined {
  if (!(err instanceof TRPCClientError) || codeOf(err) !== 'TOO_MANY_REQUESTS') return undefined;
  const data: unknown = err.data;
  if (data && typeof data === 'object' && 'retryAfterS' in data) {
    const value = data.retryAfterS;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/** Answers about central or the park, not about one drop. */
const ROUND_ENDING_CODES = new Set([
  'UNAUTHORIZED',
  'FORBIDDEN',
  'TOO_MANY_REQUESTS',
  'INTERNAL_SERVER_ERROR',
  'BAD_GATEWAY',
  'SERVICE_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
]);

/** No answer from central, or a refused token: the next drop would fail the same way. */
function affectsEveryDrop(err: unknown): boolean {
  if (!(err instanceof TRPCClientError)) return false;
  const code = codeOf(err);
  return code === undefined || ROUND_ENDING_CODES.has(code);
}
