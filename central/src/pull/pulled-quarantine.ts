import type pg from 'pg';
import { BlobMissingError, type BlobStore } from '../blob/blob-store.ts';
import { holdBlobBytes } from '../db/blob-bytes-lock.ts';
import { withTransaction } from '../db/pool.ts';
import { DomainError } from '../domain-error.ts';
import { isDuplicateCommit, judgeInContext, recordDrop } from '../ingest/commit-drop.ts';
import type { UploadChecker } from '../ingest/drop-verifier.ts';
import type { Queryable } from '../worker/job-kind.ts';

/** A drop central pull quarantined, as the dashboard lists it (the app's quarantine's fields). */
export interface PulledQuarantineView {
  batchId: string;
  park: string;
  /** The ride whose gateway folder the file lay in. */
  ride: string | null;
  fileName: string;
  bytes: number;
  sha256: string;
  code: string | null;
  reason: string | null;
  receivedAt: string;
}

interface QuarantineRow {
  id: string;
  park_id: string;
  ride_id: string | null;
  file_name: string;
  bytes: string;
  sha256: string;
  blob_path: string;
  error_code: string | null;
  error: string | null;
  received_at: Date;
}

const COLUMNS = `b.id, b.park_id, b.file_name, b.bytes, b.sha256, b.blob_path, b.error_code,
  b.error, b.received_at,
  (SELECT f.ride_id FROM pulled_files f WHERE f.batch_id = b.id LIMIT 1) AS ride_id`;

/** Drops central pull quarantined, newest first, optionally of one park. */
export async function listPulledQuarantine(
  db: Queryable,
  filter: { park?: string; limit?: number } = {},
): Promise<PulledQuarantineView[]> {
  const r = await db.query<QuarantineRow>(
    `SELECT ${COLUMNS} FROM batches b
      WHERE b.state = 'quarantined' AND b.source = 'central'
        AND ($1::text IS NULL OR b.park_id = $1)
      ORDER BY b.received_at DESC, b.id DESC LIMIT $2`,
    [filter.park ?? null, filter.limit ?? 50],
  );
  return r.rows.map(view);
}

/** What checking a quarantined drop again found. */
export type RecheckResult =
  | { outcome: 'stored'; batchId: string }
  | { outcome: 'duplicate'; batchId: string }
  | { outcome: 'quarantined'; batchId: string; code: string; reason: string };

/**
 * Checks a drop central pull quarantined again, from its stored file, with today's rules and
 * the ride's current settings (as the app's "check again"): a drop refused for something that
 * has changed since (the ride's folder or id, a PLC clock that is right now) is committed like
 * a new one, its quarantined record replaced in the same transaction; one that is still bad
 * stays quarantined with the verdict of now. `checkDrop` reads and verifies the stored file
 * (the API's verifier threads).
 */
export async function recheckPulledDrop(
  pool: pg.Pool,
  blobs: BlobStore,
  checkDrop: UploadChecker,
  batchId: string,
  now: number = Date.now(),
): Promise<RecheckResult> {
  const row = await quarantinedRow(pool, batchId);
  const folder = await pool.query<{ remote_dir: string | null }>(
    'SELECT remote_dir FROM ride_sources WHERE park_id = $1 AND ride_id = $2',
    [row.park_id, row.ride_id],
  );
  const park = await pool.query<{ timezone: string; name: string; language: 'en' | 'it' }>(
    'SELECT name, timezone, language FROM parks WHERE id = $1',
    [row.park_id],
  );
  const p = park.rows[0];
  if (!p) throw new DomainError('not_found', `park ${row.park_id} no longer exists`);
  // The stored copy, wherever the blob store keeps it (an object store's is fetched to a
  // checked scratch file); a missing one is "gone", as a missing file is.
  const checked = await blobs
    .withLocalFile(row.blob_path, (path) => checkDrop(path, row.file_name))
    .catch((err: unknown) => {
      if (err instanceof BlobMissingError) return { found: false as const };
      throw err;
    });
  if (!checked.found) {
    throw new DomainError(
      'precondition_failed',
      `the stored file of ${row.file_name} is gone (removed by retention, or lost): delete this entry; the gateway still holds the file if the ride keeps its files`,
    );
  }
  const verdict = judgeInContext(
    checked.verdict,
    { id: row.park_id, ...p },
    now,
    row.ride_id
      ? { ride: row.ride_id, remoteDir: folder.rows[0]?.remote_dir ?? row.ride_id }
      : undefined,
  );
  if (!verdict.ok) {
    await pool.query(
      'UPDATE batches SET error_code = $2, error = $3, updated_at = now() WHERE id = $1',
      [batchId, verdict.code, verdict.reason],
    );
    return { outcome: 'quarantined', batchId, code: verdict.code, reason: verdict.reason };
  }
  // The gateway file records name what the drop became (found by the quarantined batch's id,
  // before its delete sets that to NULL), and the quarantined record goes, in the transaction
  // that records the drop. A record of a second file with the same bytes stays a duplicate.
  const replaceQuarantined = async (c: Queryable, by: string, outcome: 'stored' | 'duplicate') => {
    await c.query(
      `UPDATE pulled_files SET batch_id = $2, remote_handled = NULL,
              outcome = CASE outcome WHEN 'quarantined' THEN $3 ELSE outcome END
        WHERE batch_id = $1`,
      [batchId, by, outcome],
    );
    const gone = await c.query(
      "DELETE FROM batches WHERE id = $1 AND state = 'quarantined' RETURNING id",
      [batchId],
    );
    if (gone.rowCount === 0) throw changedMeanwhile(batchId);
  };
  try {
    const out = await recordDrop(pool, {
      park: { id: row.park_id, ...p },
      source: 'central',
      fileName: row.file_name,
      bytes: Number(row.bytes),
      sha256: row.sha256,
      blob: row.blob_path,
      verdict,
      after: (c, committed) => replaceQuarantined(c, committed.batchId, 'stored'),
    });
    return { outcome: 'stored', batchId: out.batchId };
  } catch (err) {
    if (!isDuplicateCommit(err)) throw err;
    // The park has this content already (the app sent it meanwhile): the quarantined copy goes.
    return withTransaction(pool, async (c) => {
      const existing = await c.query<{ id: string }>(
        'SELECT id FROM batches WHERE park_id = $1 AND content_id = $2',
        [row.park_id, verdict.contentId],
      );
      const winner = existing.rows[0]?.id;
      if (!winner) throw err;
      await replaceQuarantined(c, winner, 'duplicate');
      return { outcome: 'duplicate' as const, batchId: winner };
    });
  }
}

/**
 * Deletes a drop central pull quarantined, and its stored file unless another batch holds the
 * same bytes. The gateway file is not pulled again unless it changes (its record stays as
 * `deleted`), as the app's delete of a kept drop; remove or fix it on the gateway.
 */
export async function deletePulledDrop(
  pool: pg.Pool,
  blobs: BlobStore,
  checkDrop: UploadChecker,
  batchId: string,
): Promise<void> {
  const row = await quarantinedRow(pool, batchId);
  const content = await contentOfFile(blobs, checkDrop, row);
  await withTransaction(pool, async (c) => {
    // A quarantined copy of the same bytes committed meanwhile is seen below, or waits and
    // writes the file again (db/blob-bytes-lock.ts).
    await holdBlobBytes(c, [row.sha256]);
    await c.query("UPDATE pulled_files SET outcome = 'deleted' WHERE batch_id = $1", [batchId]);
    const gone = await c.query(
      "DELETE FROM batches WHERE id = $1 AND state = 'quarantined' RETURNING id",
      [batchId],
    );
    if (gone.rowCount === 0) throw changedMeanwhile(batchId);
    // Removed before the commit: a store that fails leaves the drop as it was, to delete again.
    if (content !== 'gone' && !(await heldByAnother(c, row.sha256, row.park_id, content))) {
      await blobs.remove(row.blob_path);
    }
  });
}

/**
 * Whose content the stored file is, when its bytes pass the full check (the only bytes a batch
 * that is not quarantined can hold): what `heldByAnother` looks for; `gone` when the file is.
 * Checked whatever its name: a copy quarantined for a wrong name holds the bytes of the drop
 * sent under the right one.
 */
async function contentOfFile(
  blobs: BlobStore,
  checkDrop: UploadChecker,
  row: QuarantineRow,
): Promise<{ park: string; contentId: string } | null | 'gone'> {
  const checked = await blobs
    .withLocalFile(row.blob_path, (path) => checkDrop(path))
    .catch((err: unknown) => {
      if (err instanceof BlobMissingError) return { found: false as const };
      throw err;
    });
  if (!checked.found) return 'gone';
  const { verdict } = checked;
  return verdict.ok ? { park: verdict.manifest.park, contentId: verdict.contentId } : null;
}

/**
 * Whether a batch still holds the file of these bytes (files are named by their SHA-256): a
 * quarantined one (another park's copy, the same bytes refused again), found through the
 * quarantined rows' partial index; a `failed` one of the same park (a drop refused after
 * commit while this copy was quarantined ends `failed`, holding the same bad bytes), through
 * the failed rows' partial index; or the batch of their content in the park their manifest
 * names (a `park_mismatch` copy's valid original), if it holds these very bytes (the same
 * content zipped again is another file). Each read by an index, however many batches: asked by
 * the file's own name it was a sequential scan of every batch.
 */
export async function heldByAnother(
  c: Queryable,
  sha256: string,
  park: string,
  content: { park: string; contentId: string } | null,
): Promise<boolean> {
  const r = await c.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM batches WHERE content_id IS NULL AND sha256 = $1)
         OR EXISTS (SELECT 1 FROM batches
                     WHERE state = 'failed' AND park_id = $2 AND sha256 = $1)
         OR EXISTS (SELECT 1 FROM batches
                     WHERE park_id = $3 AND content_id = $4 AND sha256 = $1) AS held`,
    [sha256, park, content?.park ?? null, content?.contentId ?? null],
  );
  return r.rows[0]?.held ?? true;
}

async function quarantinedRow(db: Queryable, batchId: string): Promise<QuarantineRow> {
  const r = await db.query<QuarantineRow & { state: string; source: string }>(
    `SELECT ${COLUMNS}, b.state, b.source FROM batches b WHERE b.id = $1`,
    [batchId],
  );
  const row = r.rows[0];
  if (!row) throw new DomainError('not_found', `there is no drop ${batchId}`);
  if (row.state !== 'quarantined' || row.source !== 'central') {
    throw new DomainError(
      'precondition_failed',
      `drop ${batchId} is not one central pull quarantined (it is ${row.state}, from the ${row.source === 'app' ? 'park app' : 'gateway'})`,
    );
  }
  return row;
}

function changedMeanwhile(batchId: string): DomainError {
  return new DomainError(
    'conflict',
    `drop ${batchId} changed meanwhile (checked again or deleted by someone else): reload the list`,
  );
}

function view(r: QuarantineRow): PulledQuarantineView {
  return {
    batchId: r.id,
    park: r.park_id,
    ride: r.ride_id,
    fileName: r.file_name,
    bytes: Number(r.bytes),
    sha256: r.sha256,
    code: r.error_code,
    reason: r.error,
    receivedAt: r.received_at.toISOString(),
  };
}
