import { DEFAULT_DROP_LIMITS, type VerifyResult } from '@zra/shared';
import type { DownloadCheck, RemoteFile } from '@zra/gateway';
import type pg from 'pg';
import type { BlobStore } from '../blob/blob-store.ts';
import {
  isDuplicateCommit,
  judgeInContext,
  recordDrop,
  type Verdict,
} from '../ingest/commit-drop.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import type { Queryable } from '../worker/job-kind.ts';

/** What became of one pulled file. */
export interface PulledOutcome {
  outcome: 'stored' | 'duplicate' | 'quarantined';
  batchId: string;
  /** For a quarantined file: the stable code and the sentence, as the app's quarantine shows them. */
  code?: string;
  reason?: string;
}

/** The ride whose folder a file was pulled from. */
export interface PulledFrom {
  park: ParkIdentity;
  ride: string;
  remoteDir: string;
}

/**
 * Commits one downloaded, fsynced and checked file through the one commit every path shares
 * (ingest/commit-drop.ts), exactly as an agent upload is committed: the same contextual checks
 * (park, central's clock; for a pull also the ride whose folder it lay in), the blob stored
 * durably before the batch is recorded, the batch and its outbox row in one transaction. A
 * content the park already has, whichever path brought it, is a duplicate: no second batch, no
 * second blob. The file's record (name, size, mtime → batch) commits in the same transaction,
 * so a crash leaves the file either recorded with its batch or not at all (then the next pull
 * takes it again and finds the duplicate).
 */
export async function commitPulledDrop(
  deps: { pool: pg.Pool; blobs: BlobStore },
  from: PulledFrom,
  file: RemoteFile,
  tmp: string,
  checked: DownloadCheck,
  receivedAt: number,
): Promise<PulledOutcome> {
  const verdict = judgeInContext(tooLargeIfUnjudged(checked), from.park, receivedAt, from);
  const known = await knownBatch(deps.pool, from.park.id, verdict, checked.sha256);
  if (known) {
    await recordPulledFile(deps.pool, from, file, checked.sha256, known, 'duplicate');
    return { outcome: 'duplicate', batchId: known };
  }
  try {
    const committed = await recordDrop(deps.pool, {
      park: from.park,
      source: 'central',
      fileName: file.name,
      bytes: checked.size,
      sha256: checked.sha256,
      blob: () => deps.blobs.storeBlob(tmp, checked.sha256),
      verdict,
      after: (c, out) =>
        recordPulledFile(
          c,
          from,
          file,
          checked.sha256,
          out.batchId,
          out.status === 'quarantined' ? 'quarantined' : 'stored',
        ),
    });
    if (committed.status === 'quarantined') {
      return {
        outcome: 'quarantined',
        batchId: committed.batchId,
        code: committed.code,
        reason: committed.reason,
      };
    }
    return { outcome: 'stored', batchId: committed.batchId };
  } catch (err) {
    // The same content committed at this moment by the park app (or another pull): one drop.
    if (!isDuplicateCommit(err)) throw err;
    const winner = await knownBatch(deps.pool, from.park.id, verdict, checked.sha256);
    if (!winner) throw err;
    await recordPulledFile(deps.pool, from, file, checked.sha256, winner, 'duplicate');
    return { outcome: 'duplicate', batchId: winner };
  }
}

/**
 * The park's batch of this content: for a valid drop the same content id (the same content
 * zipped again or under another name is a duplicate); for a rejected file the same bytes that
 * were rejected before. A rejected copy never shadows a valid one (rule R1).
 */
async function knownBatch(
  db: Queryable,
  parkId: string,
  verdict: Verdict,
  sha256: string,
): Promise<string | null> {
  const r = verdict.ok
    ? await db.query<{ id: string }>(
        'SELECT id FROM batches WHERE park_id = $1 AND content_id = $2',
        [parkId, verdict.contentId],
      )
    : await db.query<{ id: string }>(
        'SELECT id FROM batches WHERE park_id = $1 AND content_id IS NULL AND sha256 = $2',
        [parkId, sha256],
      );
  return r.rows[0]?.id ?? null;
}

/** A file larger than any drop may be was only hashed, never judged: it is `too_large`. */
function tooLargeIfUnjudged(checked: DownloadCheck): VerifyResult {
  return (
    checked.verdict ?? {
      ok: false,
      code: 'too_large',
      reason: `The zip is ${checked.size} bytes; the limit is ${DEFAULT_DROP_LIMITS.maxZipBytes} bytes.`,
    }
  );
}

/** Records (or, for a backfill's re-pull, renews) what a listed file became. */
export async function recordPulledFile(
  db: Queryable,
  from: PulledFrom,
  file: RemoteFile,
  sha256: string,
  batchId: string,
  outcome: PulledOutcome['outcome'],
): Promise<void> {
  await db.query(
    `INSERT INTO pulled_files (park_id, ride_id, name, size, mtime_ms, sha256, batch_id, outcome)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (park_id, ride_id, name, size, mtime_ms) DO UPDATE SET
       sha256 = EXCLUDED.sha256, batch_id = EXCLUDED.batch_id, outcome = EXCLUDED.outcome,
       remote_handled = NULL, pulled_at = now()`,
    [from.park.id, from.ride, file.name, file.size, file.mtimeMs, sha256, batchId, outcome],
  );
}
