import { createHash, randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import type { VerifyResult } from '@zra/shared';
import type pg from 'pg';
import type { Logger } from 'pino';
import { BlobMissingError, type BlobStore } from '../blob/blob-store.ts';
import type { BytePieces } from '../blob/byte-pieces.ts';
import { infrastructureFault } from '../infra/infrastructure-fault.ts';
import { DomainError } from '../domain-error.ts';
import type { IngestService } from '../server/context.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import {
  existingBatch as batchOfContent,
  isDuplicateCommit,
  judgeInContext,
  recordDrop,
  refuseStoredDrop,
  type Verdict,
} from './commit-drop.ts';
import type { UploadChecker } from './drop-verifier.ts';
import { outlineDrop } from './drop-outline.ts';
import type { CommitOutput } from './ingest-schemas.ts';
import { provenDuplicate, type KnownBatch, type KnownContent } from './park-quota.ts';
import { removeUploadFileOnceStored } from './lost-commit-cleanup.ts';
import { UploadHashes } from './upload-hashes.ts';

interface UploadRow {
  id: string;
  park_id: string;
  sha256: string;
  content_id: string;
  bytes: string;
  received_bytes: string;
  file_name: string;
  temp_path: string;
}

/**
 * An upload being committed: a chunked upload's row, or a put's bytes (`held`, in memory, with
 * no row, no upload file and no resumption).
 */
type Settling = UploadRow & { held?: BytePieces };

/** What the ingest service needs from the rest of central. */
export interface IngestDeps {
  pool: pg.Pool;
  blobs: BlobStore;
  /**
   * Reads, hashes and fully verifies a local file (a worker-thread pool in `serve`): for drops
   * the quick check at commit finds suspect, so a refusal carries verifyDrop's own words.
   */
  checkUpload: UploadChecker;
  log: Logger;
  /** Called after a commit queued work, so the outbox publisher need not wait for its poll. */
  onEnqueued?: () => void;
  /** Central's clock (ms since the epoch), for the `window_in_future` check; tests set it. */
  now?: () => number;
}

/**
 * Begin / chunk / commit of docs/job-contracts.md. Every step is idempotent: a retried begin
 * resumes, a retried chunk at the stored end is refused with that end, a retried commit of an
 * already stored drop answers `duplicate`. Failures a caller can act on are DomainErrors.
 *
 * The upload is hashed while its chunks arrive, and commit checks only what it needs to take
 * responsibility for the bytes (size, SHA-256, the zip's central directory and the manifest
 * against the token: drop-outline.ts); the postprocess job checks every entry in full before
 * anything is counted. A drop the quick check finds suspect is verified in full here, so a
 * refusal at commit carries exactly shared's verdict.
 */
export function createIngestService(deps: IngestDeps): IngestService {
  const { pool, blobs, log } = deps;
  const now = deps.now ?? Date.now;
  const hashes = new UploadHashes();

  function existingBatch(
    park: ParkIdentity,
    ids: { contentId: string; sha256: string },
  ): Promise<string | null> {
    // A quarantined drop has no trusted content id; the same bytes again are the same verdict.
    return batchOfContent(pool, park.id, ids);
  }

  async function resetUpload(upload: UploadRow, bytes: number): Promise<void> {
    hashes.forget(upload.id);
    await blobs.uploads.reset(upload.temp_path);
    await pool.query(
      'UPDATE uploads SET received_bytes = 0, bytes = $2, updated_at = now() WHERE id = $1',
      [upload.id, bytes],
    );
  }

  /** The park's upload (another park's is as unknown as one never begun). */
  async function uploadOfPark(park: ParkIdentity, uploadId: string): Promise<UploadRow> {
    const r = await pool.query<UploadRow>('SELECT * FROM uploads WHERE id = $1 AND park_id = $2', [
      uploadId,
      park.id,
    ]);
    const upload = r.rows[0];
    if (!upload) throw uploadNotFound(uploadId);
    return upload;
  }

  /** The park's upload, every declared byte received; otherwise what the agent must do. */
  async function completeUpload(park: ParkIdentity, uploadId: string): Promise<UploadRow> {
    const upload = await uploadOfPark(park, uploadId);
    const declared = Number(upload.bytes);
    const received = Number(upload.received_bytes);
    if (received !== declared) {
      throw new DomainError(
        'precondition_failed',
        `upload is incomplete: central holds ${received} of ${declared} bytes; send the rest from offset ${received}`,
      );
    }
    return upload;
  }

  /** Bytes that are not the declared file reset the upload: the agent sends it again. */
  async function refuseOtherBytes(
    upload: UploadRow,
    got: { sha256: string; bytes: number },
  ): Promise<DomainError> {
    const declared = Number(upload.bytes);
    await resetUpload(upload, declared);
    return new DomainError(
      'invalid_input',
      `the uploaded bytes do not match the declared file (SHA-256 ${got.sha256}, ${got.bytes} bytes; expected ${upload.sha256}, ${declared} bytes); the upload was reset, send it again from offset 0`,
    );
  }

  /** SHA-256 of the stored bytes, for an upload whose chunks did not all pass this process. */
  async function hashStored(upload: UploadRow): Promise<{ sha256: string; bytes: number }> {
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      for await (const piece of blobs.uploads.stream(upload.temp_path, Number(upload.bytes))) {
        hash.update(piece as Buffer);
        bytes += (piece as Buffer).length;
      }
    } catch (err) {
      goneMeansNotFound(upload.id)(err);
    }
    return { sha256: hash.digest('hex'), bytes };
  }

  /** shared's verifyDrop over the whole file, on the verifier threads. */
  async function verifyInFull(upload: Settling, sha256: string): Promise<VerifyResult> {
    if (upload.held) return verifyHeld(upload.held, upload.file_name);
    const declared = Number(upload.bytes);
    const check = await blobs.uploads
      .withLocalFile(upload.temp_path, declared, (path) => deps.checkUpload(path, upload.file_name))
      .catch(goneMeansNotFound(upload.id));
    if (!check.found) throw uploadNotFound(upload.id);
    // The bytes changed under the check (they cannot, short of a damaged store): refuse them.
    if (check.bytes !== declared || check.sha256 !== sha256) {
      throw await refuseOtherBytes(upload, check);
    }
    return check.verdict;
  }

  /**
   * A put's bytes, verified in full from a scratch file (the verifier threads read files): only
   * a drop the quick check finds suspect, or one claiming another upload's content, gets here.
   */
  async function verifyHeld(held: BytePieces, fileName: string): Promise<VerifyResult> {
    const path = blobs.tmpPath('.put');
    try {
      await writeFile(path, held.pieces, { mode: 0o600 });
      const check = await deps.checkUpload(path, fileName);
      if (!check.found)
        throw new Error(`the scratch copy ${path} of a put vanished during its check`);
      return check.verdict;
    } finally {
      await rm(path, { force: true });
    }
  }

  /**
   * The quick check (drop-outline.ts) and, for a suspect drop, the full one; `full` says
   * whether every entry was checked. A put's bytes are read from memory.
   */
  async function judge(
    park: ParkIdentity,
    upload: Settling,
    sha256: string,
    receivedAt: number,
  ): Promise<{ verdict: Verdict; full: boolean }> {
    const { held } = upload;
    const read = held
      ? (start: number, end: number) => Promise.resolve(held.range(start, end))
      : (start: number, end: number) =>
          blobs.uploads.read(upload.temp_path, start, end).catch(goneMeansNotFound(upload.id));
    const outline = await outlineDrop({ size: Number(upload.bytes), read }, upload.file_name);
    if (outline.ok) {
      const { manifest, contentId, entries } = outline;
      const checked: VerifyResult = { ok: true, manifest, contentId, entries, sha256 };
      return { verdict: judgeInContext(checked, park, receivedAt), full: false };
    }
    log.info(
      { park: park.id, uploadId: upload.id, fileName: upload.file_name, suspect: outline.suspect },
      'the quick check found the drop suspect; verifying it in full',
    );
    const verdict = await verifyInFull(upload, sha256);
    return { verdict: judgeInContext(verdict, park, receivedAt), full: true };
  }

  /**
   * A batch of the same content already here (the same content zipped again is a duplicate).
   * Commit takes a drop's identity from its manifest, and a manifest can list hashes its
   * entries do not have: when the two zips differ, the content is proven by entries checked in
   * full, on both sides, before one is called the other's duplicate. A stored batch whose
   * entries turn out not to match is refused at once (it would shadow this valid copy); these
   * bytes, when they are the bad ones, are recorded as refused themselves. Answers the batch to
   * call this a duplicate of, the verdict that replaces this drop's, or null (record it).
   * `found`: what a put's quota check found under the content id the drop declared, used when
   * its manifest names the same.
   */
  async function sameContent(
    park: ParkIdentity,
    upload: Settling,
    judged: { verdict: Verdict; full: boolean },
    sha256: string,
    receivedAt: number,
    found?: KnownContent,
  ): Promise<{ batchId: string } | { verdict: Verdict } | null> {
    if (!judged.verdict.ok) return null;
    const { contentId } = judged.verdict;
    const known =
      found?.contentId === contentId ? found.sameContent : await batchOfContentId(park, contentId);
    if (!known) return null;
    if (known.sha256 === sha256) return { batchId: known.id };
    if (!judged.full) {
      const verdict = await verifyInFull(upload, sha256);
      if (!verdict.ok) return { verdict: judgeInContext(verdict, park, receivedAt) };
    }
    if (known.state === 'processed') return { batchId: known.id };
    // A file gone from the store is "not found" from either backend (an object store says so
    // before the check runs, the filesystem in it).
    const stored = await blobs
      .withLocalFile(known.blob_path, (path) => deps.checkUpload(path, known.file_name))
      .catch((err: unknown) => {
        if (err instanceof BlobMissingError) return { found: false } as const;
        throw err;
      });
    if (!stored.found || stored.verdict.ok) return { batchId: known.id };
    const outcome = await refuseStoredDrop(pool, known.id, stored.verdict);
    log.warn(
      { park: park.id, batchId: known.id, code: stored.verdict.code, outcome },
      'a stored drop claimed content its entries do not hold; refused, so a valid copy can take its place',
    );
    return null;
  }

  /** The park's batch of this content, if any. */
  async function batchOfContentId(
    park: ParkIdentity,
    contentId: string,
  ): Promise<KnownBatch | null> {
    const r = await pool.query<KnownBatch>(
      `SELECT id, sha256, state, blob_path, file_name FROM batches
        WHERE park_id = $1 AND content_id = $2`,
      [park.id, contentId],
    );
    return r.rows[0] ?? null;
  }

  /**
   * Makes the upload the drop's blob: a put's bytes written once, straight under the blob's
   * name; a chunked upload's file linked there (or copied server-side: no second write).
   */
  async function storeBlob(upload: Settling, sha256: string): Promise<string> {
    if (upload.held) return blobs.storeBytes(upload.held, sha256);
    return blobs.uploads
      .promote(upload.temp_path, Number(upload.bytes), sha256)
      .catch(goneMeansNotFound(upload.id));
  }

  /**
   * The one commit every path shares (commit-drop.ts): the batch, for a stored drop its ride,
   * the revision mark on what it replaces and the outbox row, in one transaction; the upload
   * row, when there is one, goes in the same transaction.
   */
  function recordBatch(
    park: ParkIdentity,
    upload: Settling,
    verdict: Verdict,
    sha256: string,
  ): Promise<CommitOutput> {
    return recordDrop(pool, {
      park,
      source: 'app',
      fileName: upload.file_name,
      bytes: Number(upload.bytes),
      sha256,
      blob: () => storeBlob(upload, sha256),
      verdict,
      ...(upload.held ? {} : { uploadId: upload.id }),
    });
  }

  /**
   * What a commit does once the bytes are known to be the declared file: judge them, look for
   * the same content, make them the blob and record the batch. Answers `duplicate` when the
   * drop turns out to be one central has; the caller then forgets the upload.
   */
  async function settle(
    park: ParkIdentity,
    upload: Settling,
    sha256: string,
    receivedAt: number,
    found?: KnownContent,
  ): Promise<CommitOutput> {
    let judged = await judge(park, upload, sha256, receivedAt);
    const same = await sameContent(park, upload, judged, sha256, receivedAt, found);
    if (same && 'batchId' in same) return { status: 'duplicate', batchId: same.batchId };
    if (same) judged = { verdict: same.verdict, full: true };
    const { verdict } = judged;
    let result: CommitOutput;
    try {
      result = await recordBatch(park, upload, verdict, sha256);
    } catch (err) {
      // A concurrent commit of the same content won the unique constraint: same drop.
      if (isDuplicateCommit(err)) {
        const contentId = verdict.ok ? verdict.contentId : upload.content_id;
        const existing = await existingBatch(park, { contentId, sha256 });
        if (existing) return { status: 'duplicate', batchId: existing };
      }
      const fault = infrastructureFault(err);
      if (fault?.dependency === 'postgres') {
        // The COMMIT may or may not have reached PostgreSQL: the outcome is unknown here, and
        // a retry finds out without storing twice (a retried commit, then begin on NOT_FOUND;
        // a retried put answers duplicate).
        if (!upload.held) removeUploadFileOnceStored(deps, upload);
        throw new DomainError(
          'unavailable',
          `the database did not confirm the commit (${fault.summary}); ${upload.held ? 'send the drop again (central answers duplicate when it was stored)' : 'retry the commit (if central then answers that the upload is unknown, call begin again: it answers duplicate when the drop was stored)'}`,
          { cause: err },
        );
      }
      throw err;
    }
    if (result.status === 'stored') deps.onEnqueued?.();
    log.info(
      {
        park: park.id,
        batchId: result.batchId,
        status: result.status,
        fileName: upload.file_name,
        checked: judged.full ? 'in full' : 'outline',
        request: upload.held ? 'put' : 'commit',
        ...(result.status === 'quarantined' ? { code: result.code } : {}),
      },
      'upload committed',
    );
    return result;
  }

  return {
    async begin(park, input, known) {
      const batchId = provenDuplicate(known, input.sha256);
      if (batchId) return { status: 'duplicate', batchId };

      const id = randomUUID();
      // Made before the row that names it; a resumed upload leaves this one unused.
      const tempPath = await blobs.uploads.create(id);
      const r = await pool.query<UploadRow>(
        `INSERT INTO uploads (id, park_id, sha256, content_id, bytes, file_name, temp_path)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (park_id, sha256) DO UPDATE SET file_name = EXCLUDED.file_name, updated_at = now()
         RETURNING *`,
        [id, park.id, input.sha256, input.contentId, input.bytes, input.fileName, tempPath],
      );
      const upload = r.rows[0];
      if (!upload) throw new Error('INSERT … RETURNING gave no row');
      if (upload.id === id) {
        log.info({ park: park.id, uploadId: id, fileName: input.fileName }, 'upload started');
        return { status: 'upload', uploadId: id, offset: 0 };
      }
      await blobs.uploads.remove(tempPath);
      if (Number(upload.bytes) !== input.bytes) {
        // Same SHA-256 but another size cannot be the same file: start over rather than guess.
        await resetUpload(upload, input.bytes);
        return { status: 'upload', uploadId: upload.id, offset: 0 };
      }
      log.info(
        { park: park.id, uploadId: upload.id, offset: upload.received_bytes },
        'upload resumed',
      );
      return { status: 'upload', uploadId: upload.id, offset: Number(upload.received_bytes) };
    },

    /**
     * No lock is held while the bytes are written: the row moves only if it still stands where
     * the chunk began (compare-and-set), and whatever wrote to the same place meanwhile wrote
     * the same bytes, because an upload is one file, named by its SHA-256. A chunk that loses
     * the race (an agent's retry that met its own first try) is told where the upload stands.
     */
    async chunk(park, input) {
      const { data } = input;
      const upload = await uploadOfPark(park, input.uploadId);
      const stored = Number(upload.received_bytes);
      if (input.offset !== stored) throw notWhereUploadStands(input.offset, stored);
      const end = stored + data.length;
      if (end > Number(upload.bytes)) {
        throw new DomainError(
          'invalid_input',
          `chunk ends at byte ${end}, past the declared size of ${upload.bytes} bytes`,
        );
      }
      await blobs.uploads.write(upload.temp_path, stored, data).catch(goneMeansNotFound(upload.id));
      const moved = await pool.query(
        `UPDATE uploads SET received_bytes = $3, updated_at = now()
          WHERE id = $1 AND received_bytes = $2`,
        [upload.id, stored, end],
      );
      if (moved.rowCount === 0) {
        const now = await uploadOfPark(park, upload.id);
        throw notWhereUploadStands(input.offset, Number(now.received_bytes));
      }
      // Stored and recorded; a chunk refused above adds nothing to the running hash.
      hashes.add(upload.id, stored, data);
      return { offset: end };
    },

    async commit(park, input) {
      const upload = await completeUpload(park, input.uploadId);
      const receivedAt = now();
      const declared = Number(upload.bytes);
      const hashed = hashes.take(upload.id, declared);
      const got = hashed ? { sha256: hashed, bytes: declared } : await hashStored(upload);
      if (got.sha256 !== upload.sha256 || got.bytes !== declared) {
        throw await refuseOtherBytes(upload, got);
      }
      const result = await settle(park, upload, got.sha256, receivedAt);
      if (result.status === 'duplicate') {
        // The row and bytes of an upload that turned out to be a drop central has.
        await pool.query('DELETE FROM uploads WHERE id = $1', [upload.id]);
      }
      hashes.forget(upload.id);
      await blobs.uploads.remove(upload.temp_path);
      return result;
    },

    /**
     * Begin, one chunk and commit in one request, for a drop that fits in one chunk (most do):
     * one request and no upload row instead of three requests and four statements on the row.
     * The bytes are hashed and outlined in memory and written once, straight under the blob's
     * name, and only when the drop is to be stored; nothing is left to resume, so after a
     * failure the agent sends the drop again, which `duplicate` answers when the first try was
     * stored after all. `known`: what the quota check found of the declared content.
     */
    async put(park, input, known) {
      const receivedAt = now();
      const duplicateOf = provenDuplicate(known, input.sha256);
      if (duplicateOf) return { status: 'duplicate', batchId: duplicateOf };
      const sha256 = input.data.sha256();
      if (sha256 !== input.sha256) {
        throw new DomainError(
          'invalid_input',
          `the uploaded bytes do not match the declared file (SHA-256 ${sha256}, ${input.data.length} bytes; expected ${input.sha256}); nothing was stored, send it again`,
        );
      }
      const bytes = String(input.data.length);
      const upload: Settling = {
        id: randomUUID(),
        park_id: park.id,
        sha256,
        content_id: input.contentId,
        bytes,
        received_bytes: bytes,
        file_name: input.fileName,
        temp_path: '',
        held: input.data,
      };
      return settle(park, upload, sha256, receivedAt, known);
    },
  };
}

function notWhereUploadStands(offset: number, stored: number): DomainError {
  return new DomainError(
    'conflict',
    `chunk offset ${offset} is not where the upload stands: central holds ${stored} bytes; resume from offset ${stored}`,
  );
}

/**
 * For a read of an upload's bytes: a concurrent commit of the same upload (two callers that
 * resumed one upload) may finish first and remove the file; the caller is told to begin
 * again, which answers `duplicate`.
 */
function goneMeansNotFound(uploadId: string): (err: unknown) => never {
  return (err) => {
    throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? uploadNotFound(uploadId) : err;
  };
}

function uploadNotFound(uploadId: string): DomainError {
  return new DomainError(
    'not_found',
    `upload ${uploadId} is not known (already committed, or never begun); call begin again`,
  );
}
