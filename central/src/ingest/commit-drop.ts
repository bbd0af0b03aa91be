import { randomUUID } from 'node:crypto';
import { windowInFutureReason } from '@zra/shared';
import type { DropRejectionCode, VerifyResult } from '@zra/shared';
import type pg from 'pg';
import { holdBlobBytesShared } from '../db/blob-bytes-lock.ts';
import { isUniqueViolation, withTransaction } from '../db/pool.ts';
import type { QueueMessages } from '../queue/messages.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import type { CommitOutput } from './ingest-schemas.ts';

/** The path a drop came by: the park app's upload, or central's own pull from the gateway. */
export type DropSource = 'app' | 'central';

/** shared's verdict, plus the checks only central can make: the park, its clock, the ride. */
export type Verdict =
  | Extract<VerifyResult, { ok: true }>
  | {
      ok: false;
      code: DropRejectionCode | 'park_mismatch' | 'ride_mismatch' | 'window_in_future';
      reason: string;
    };

/** A checked drop, ready to be recorded. */
export interface DropToRecord {
  park: ParkIdentity;
  source: DropSource;
  fileName: string;
  bytes: number;
  sha256: string;
  /**
   * The drop's file in the blob store, or how to put it there. A rejected drop's file is put
   * there inside the commit, under its bytes' lock (db/blob-bytes-lock.ts), so that retention
   * or a delete removing the same bytes' file meanwhile cannot leave the row without it.
   */
  blob: string | (() => Promise<string>);
  verdict: Verdict;
  /** The upload that brought it (the park app's path): its row goes with the commit. */
  uploadId?: string;
  /**
   * Runs last inside the commit's transaction, with the outcome, so it commits or rolls back
   * with it (central pull's file record; a re-check's removal of the quarantined row).
   */
  after?: (c: pg.PoolClient, outcome: CommitOutput) => Promise<void>;
}

/**
 * The one commit of a drop, whichever path brought it (docs/central.md, "How a drop moves",
 * step 3): one transaction inserts the batch (`stored`, or `quarantined` with its reason); for
 * a stored drop it takes the ride's lock, upserts the ride, marks every live batch of the same
 * ride-window as replaced by the new one (rule R2) and writes the outbox row. Content identity
 * is the database's: a concurrent commit of the same content (or the same bad bytes) fails on
 * the unique constraint, which the caller turns into `duplicate` ({@link isDuplicateCommit}).
 *
 * A stored drop's file is put in the blob store first, and the drop recorded by the database
 * function `record_stored_drop` (its migration says why): with nothing else to do in the
 * transaction, as one statement. A quarantined drop's file is put there inside the
 * transaction, under its bytes' lock.
 */
export async function recordDrop(pool: pg.Pool, drop: DropToRecord): Promise<CommitOutput> {
  const batchId = randomUUID();
  const { verdict } = drop;
  // A valid drop's file needs no lock (db/blob-bytes-lock.ts): it is put there first.
  const commit = verdict.ok
    ? {
        stored: true as const,
        statement: recordStoredDrop(batchId, drop, await placeBlob(drop.blob), verdict),
      }
    : { stored: false as const, refusal: verdict };
  if (commit.stored && !drop.after) {
    await pool.query(commit.statement);
    return { status: 'stored', batchId };
  }
  return withTransaction(pool, async (c) => {
    let outcome: CommitOutput;
    if (commit.stored) {
      await c.query(commit.statement);
      outcome = { status: 'stored', batchId };
    } else {
      const { code, reason } = commit.refusal;
      if (drop.uploadId) await c.query('DELETE FROM uploads WHERE id = $1', [drop.uploadId]);
      await holdBlobBytesShared(c, drop.sha256);
      const blobPath = await placeBlob(drop.blob);
      await c.query(
        `INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, source, state,
                              error_code, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'quarantined', $8, $9)`,
        [...batchValues(batchId, drop, blobPath), code, reason],
      );
      outcome = { status: 'quarantined', batchId, code, reason };
    }
    await drop.after?.(c, outcome);
    return outcome;
  });
}

function placeBlob(blob: DropToRecord['blob']): Promise<string> {
  return typeof blob === 'string' ? Promise.resolve(blob) : blob();
}

/** What every batch row records, stored or quarantined: id, park, bytes and where they are. */
function batchValues(batchId: string, drop: DropToRecord, blobPath: string): unknown[] {
  return [batchId, drop.park.id, drop.sha256, drop.bytes, drop.fileName, blobPath, drop.source];
}

/**
 * The statement that records a stored drop. Named, so a connection parses it once and keeps
 * its plan (it runs at every commit).
 */
function recordStoredDrop(
  batchId: string,
  drop: DropToRecord,
  blobPath: string,
  verdict: Extract<Verdict, { ok: true }>,
): pg.QueryConfig {
  const m = verdict.manifest;
  const message: QueueMessages['postprocess'] = { batchId };
  const values = [
    ...batchValues(batchId, drop, blobPath),
    m.ride,
    m.model,
    m.sequence,
    m.window.start,
    m.window.end,
    verdict.contentId,
    JSON.stringify(message),
    drop.uploadId ?? null,
  ];
  return {
    name: 'record-stored-drop',
    text: `SELECT record_stored_drop($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    values,
  };
}

/** The commit lost to a concurrent commit of the same content (or of the same bad bytes). */
export function isDuplicateCommit(err: unknown): boolean {
  return (
    isUniqueViolation(err, 'batches_park_content_key') ||
    isUniqueViolation(err, 'batches_quarantined_sha_key')
  );
}

/**
 * The batch a park already has for this content: the same content id, or (a quarantined drop
 * has no trusted content id) the same bytes that were quarantined.
 */
export async function existingBatch(
  db: Pick<pg.Pool, 'query'>,
  parkId: string,
  ids: { contentId: string; sha256: string },
): Promise<string | null> {
  const r = await db.query<{ id: string }>(
    `SELECT id FROM batches
      WHERE park_id = $1 AND (content_id = $2 OR (content_id IS NULL AND sha256 = $3))
      LIMIT 1`,
    [parkId, ids.contentId, ids.sha256],
  );
  return r.rows[0]?.id ?? null;
}

/**
 * The checks that need what the pure verifier does not know: whose drop it is (the token's
 * park; for central pull also the ride whose folder it lay in), and central's clock at receipt
 * (a window that starts in the future means a PLC clock not set to UTC).
 */
export function judgeInContext(
  verdict: VerifyResult,
  park: ParkIdentity,
  receivedAt: number,
  folder?: { ride: string; remoteDir: string },
): Verdict {
  if (!verdict.ok) return verdict;
  const m = verdict.manifest;
  if (m.park !== park.id) {
    return {
      ok: false,
      code: 'park_mismatch',
      reason: folder
        ? `the drop belongs to park "${m.park}" but lies on the gateway of park "${park.id}" (folder "${folder.remoteDir}"); fix the park id in the PLC export, or point the ride at its own park's gateway`
        : `the drop belongs to park "${m.park}" but was sent with the token of park "${park.id}"; check the gateway's park setting`,
    };
  }
  if (folder && m.ride !== folder.ride) {
    return {
      ok: false,
      code: 'ride_mismatch',
      reason: `the drop is of ride "${m.ride}", but it lies in the folder "${folder.remoteDir}" of ride "${folder.ride}": fix the ride id in the PLC export, or point this ride at its own folder (a ride's id must be the id its PLC writes)`,
    };
  }
  const future = windowInFutureReason(m.window.start, new Date(receivedAt));
  if (future !== null) return { ok: false, code: 'window_in_future', reason: future };
  return verdict;
}

/**
 * Serialises the commits of one ride until the transaction ends (the database function
 * `lock_ride_commits`, which `record_stored_drop` takes too).
 */
async function lockRide(
  c: pg.PoolClient,
  park: Pick<ParkIdentity, 'id'>,
  ride: string,
): Promise<void> {
  await c.query('SELECT lock_ride_commits($1, $2)', [park.id, ride]);
}

/** What became of a stored drop that the full check refused after commit. */
export type LateRefusal = 'quarantined' | 'failed' | 'gone';

/**
 * A stored drop whose full check (the postprocess job's verifier) refused it after commit ends
 * as if commit had refused it: `quarantined` with shared's code and sentence, no trusted content
 * id (so it shadows no valid copy sent later), replacing nothing. The batches it had replaced in
 * its ride-window are live again: they point to whatever replaced it, or the newest of them
 * becomes the live one. Under the ride's lock, in one transaction, like a commit. Nothing of it
 * was ever counted: its results are written only after the check passes.
 *
 * When the same bytes are quarantined already under another batch (they can only have arrived
 * by another path meanwhile), it ends `failed` with the same code and sentence instead.
 */
export async function refuseStoredDrop(
  pool: pg.Pool,
  batchId: string,
  refusal: { code: string; reason: string },
): Promise<LateRefusal> {
  return withTransaction(pool, async (c) => {
    const first = await c.query<{ park_id: string; ride_id: string | null }>(
      'SELECT park_id, ride_id FROM batches WHERE id = $1',
      [batchId],
    );
    const b0 = first.rows[0];
    if (!b0) return 'gone';
    if (b0.ride_id) await lockRide(c, { id: b0.park_id }, b0.ride_id);
    const r = await c.query<{
      park_id: string;
      sha256: string;
      superseded_by: string | null;
      state: string;
    }>('SELECT park_id, sha256, superseded_by, state FROM batches WHERE id = $1 FOR UPDATE', [
      batchId,
    ]);
    const b = r.rows[0];
    if (!b) return 'gone';
    const replaced = await c.query<{ id: string }>(
      'SELECT id FROM batches WHERE superseded_by = $1 ORDER BY commit_seq DESC FOR UPDATE',
      [batchId],
    );
    const [newest, ...older] = replaced.rows.map((row) => row.id);
    if (newest) {
      await c.query('UPDATE batches SET superseded_by = $2, updated_at = now() WHERE id = $1', [
        newest,
        b.superseded_by,
      ]);
      await c.query(
        'UPDATE batches SET superseded_by = $2, updated_at = now() WHERE id = ANY($1::uuid[])',
        [older, b.superseded_by ?? newest],
      );
    }
    const sameBytes = await c.query(
      `SELECT 1 FROM batches
        WHERE park_id = $1 AND sha256 = $2 AND content_id IS NULL AND id <> $3 LIMIT 1`,
      [b.park_id, b.sha256, batchId],
    );
    if ((sameBytes.rowCount ?? 0) > 0) {
      // It keeps its content id (the CHECK ties a null one to `quarantined`), so it must not
      // be live beside the batch it had replaced: that one now stands in front of it.
      await c.query(
        `UPDATE batches SET state = 'failed', superseded_by = $4, error_code = $2, error = $3,
                processed_at = NULL, updated_at = now() WHERE id = $1`,
        [batchId, refusal.code, refusal.reason, b.superseded_by ?? newest ?? null],
      );
      return 'failed';
    }
    await c.query(
      `UPDATE batches SET state = 'quarantined', content_id = NULL, superseded_by = NULL,
              error_code = $2, error = $3, processed_at = NULL, updated_at = now()
        WHERE id = $1`,
      [batchId, refusal.code, refusal.reason],
    );
    return 'quarantined';
  });
}
