import { randomUUID } from 'node:crypto';
import { open, rm, writeFile } from 'node:fs/promises';
import type { VerifyResult } from '@zra/shared';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { BlobStore } from '../blob/blob-store.ts';
import { isConnectionLost } from '../db/connection-lost.ts';
import { withTransaction } from '../db/pool.ts';
import { DomainError } from '../domain-error.ts';
import type { IngestService } from '../server/context.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import {
  existingBatch as batchOfContent,
  isDuplicateCommit,
  judgeInContext,
  recordDrop,
  type Verdict,
} from './commit-drop.ts';
import type { UploadChecker } from './drop-verifier.ts';
import type { CommitOutput } from './ingest-schemas.ts';

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

/** What the ingest service needs from the rest of central. */
export interface IngestDeps {
  pool: pg.Pool;
  blobs: BlobStore;
  /** Reads, hashes and verifies an uploaded file (a worker-thread pool in `serve`). */
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
 */
export function createIngestService(deps: IngestDeps): IngestService {
  const { pool, blobs, log } = deps;
  const now = deps.now ?? Date.now;

  function existingBatch(
    park: ParkIdentity,
    ids: { contentId: string; sha256: string },
  ): Promise<string | null> {
    // A quarantined drop has no trusted content id; the same bytes again are the same verdict.
    return batchOfContent(pool, park.id, ids);
  }

  async function resetUpload(upload: UploadRow, bytes: number): Promise<void> {
    await writeFile(upload.temp_path, new Uint8Array(0));
    await pool.query(
      'UPDATE uploads SET received_bytes = 0, bytes = $2, updated_at = now() WHERE id = $1',
      [upload.id, bytes],
    );
  }

  /** The park's upload, every declared byte received; otherwise what the agent must do. */
  async function completeUpload(park: ParkIdentity, uploadId: string): Promise<UploadRow> {
    const r = await pool.query<UploadRow>('SELECT * FROM uploads WHERE id = $1 AND park_id = $2', [
      uploadId,
      park.id,
    ]);
    const upload = r.rows[0];
    if (!upload) throw uploadNotFound(uploadId);
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

  /** Reads, hashes and verifies the file; bytes that are not the declared file reset the upload. */
  async function checkUploadedFile(
    upload: UploadRow,
  ): Promise<{ sha256: string; verdict: VerifyResult }> {
    // Off the event loop: reading, hashing and verifying a big drop takes CPU seconds.
    const check = await deps.checkUpload(upload.temp_path, upload.file_name);
    // A concurrent commit of this upload finished first and removed the file.
    if (!check.found) throw uploadNotFound(upload.id);
    const declared = Number(upload.bytes);
    if (check.bytes !== declared || check.sha256 !== upload.sha256) {
      await resetUpload(upload, declared);
      throw new DomainError(
        'invalid_input',
        `the uploaded bytes do not match the declared file (SHA-256 ${check.sha256}, ${check.bytes} bytes; expected ${upload.sha256}, ${declared} bytes); the upload was reset, send it again from offset 0`,
      );
    }
    return { sha256: check.sha256, verdict: check.verdict };
  }

  /** Copies the upload into the blob store (durably) and returns the blob's path. */
  async function storeBlob(upload: UploadRow, sha256: string): Promise<string> {
    return blobs.storeBlob(upload.temp_path, sha256).catch((err: unknown) => {
      // The concurrent commit may also remove the file between the check and this copy.
      throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? uploadNotFound(upload.id) : err;
    });
  }

  /**
   * The one commit every path shares (commit-drop.ts): the batch, for a stored drop its ride,
   * the revision mark on what it replaces and the outbox row, in one transaction; the upload
   * row goes in the same transaction.
   */
  function recordBatch(
    park: ParkIdentity,
    upload: UploadRow,
    verdict: Verdict,
    stored: { sha256: string; blobPath: string },
  ): Promise<CommitOutput> {
    return recordDrop(pool, {
      park,
      source: 'app',
      fileName: upload.file_name,
      bytes: Number(upload.bytes),
      sha256: stored.sha256,
      blobPath: stored.blobPath,
      verdict,
      after: async (c) => {
        await c.query('DELETE FROM uploads WHERE id = $1', [upload.id]);
      },
    });
  }

  /** The commit lost a race with the same content (or the same bad bytes): that batch is it. */
  async function duplicateOf(
    park: ParkIdentity,
    upload: UploadRow,
    ids: { contentId: string; sha256: string },
  ): Promise<CommitOutput | null> {
    const existing = await existingBatch(park, ids);
    if (!existing) return null;
    await pool.query('DELETE FROM uploads WHERE id = $1', [upload.id]);
    await rm(upload.temp_path, { force: true });
    return { status: 'duplicate', batchId: existing };
  }

  return {
    async begin(park, input) {
      const batchId = await existingBatch(park, input);
      if (batchId) return { status: 'duplicate', batchId };

      const id = randomUUID();
      const tempPath = blobs.uploadPath(id);
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
        await writeFile(tempPath, new Uint8Array(0), { flag: 'w' });
        log.info({ park: park.id, uploadId: id, fileName: input.fileName }, 'upload started');
        return { status: 'upload', uploadId: id, offset: 0 };
      }
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

    async chunk(park, input) {
      const data = Buffer.from(await input.chunk.arrayBuffer());
      return withTransaction(pool, async (c) => {
        // The row lock serialises concurrent chunks of one upload.
        const upload = await lockUpload(c, park, input.uploadId);
        const stored = Number(upload.received_bytes);
        if (input.offset !== stored) {
          throw new DomainError(
            'conflict',
            `chunk offset ${input.offset} is not where the upload stands: central holds ${stored} bytes; resume from offset ${stored}`,
          );
        }
        const end = stored + data.length;
        if (end > Number(upload.bytes)) {
          throw new DomainError(
            'invalid_input',
            `chunk ends at byte ${end}, past the declared size of ${upload.bytes} bytes`,
          );
        }
        const file = await open(upload.temp_path, 'r+');
        try {
          // Truncate first: a crash after a write but before the row update leaves stray bytes.
          await file.truncate(stored);
          await file.write(data, 0, data.length, stored);
          await file.sync();
        } finally {
          await file.close();
        }
        await c.query('UPDATE uploads SET received_bytes = $2, updated_at = now() WHERE id = $1', [
          upload.id,
          end,
        ]);
        return { offset: end };
      });
    },

    async commit(park, input) {
      const upload = await completeUpload(park, input.uploadId);
      const receivedAt = now();
      const { sha256, verdict: checked } = await checkUploadedFile(upload);
      const verdict = judgeInContext(checked, park, receivedAt);
      const blobPath = await storeBlob(upload, sha256);
      let result: CommitOutput;
      try {
        result = await recordBatch(park, upload, verdict, { sha256, blobPath });
      } catch (err) {
        // A concurrent commit of the same content won the unique constraint: same drop.
        if (isDuplicateCommit(err)) {
          const contentId = verdict.ok ? verdict.contentId : upload.content_id;
          const duplicate = await duplicateOf(park, upload, { contentId, sha256 });
          if (duplicate) return duplicate;
        }
        if (isConnectionLost(err)) {
          // The COMMIT may or may not have reached PostgreSQL: the outcome is unknown here, and
          // a retried commit (then begin, on NOT_FOUND) finds out without storing twice.
          throw new DomainError(
            'unavailable',
            'the database connection was lost while committing; retry the commit (if central then answers that the upload is unknown, call begin again: it answers duplicate when the drop was stored)',
            { cause: err },
          );
        }
        throw err;
      }
      await rm(upload.temp_path, { force: true });
      if (result.status === 'stored') deps.onEnqueued?.();
      log.info(
        {
          park: park.id,
          batchId: result.batchId,
          status: result.status,
          fileName: upload.file_name,
          ...(result.status === 'quarantined' ? { code: result.code } : {}),
        },
        'upload committed',
      );
      return result;
    },
  };
}

async function lockUpload(
  c: pg.PoolClient,
  park: ParkIdentity,
  uploadId: string,
): Promise<UploadRow> {
  const r = await c.query<UploadRow>(
    'SELECT * FROM uploads WHERE id = $1 AND park_id = $2 FOR UPDATE',
    [uploadId, park.id],
  );
  const upload = r.rows[0];
  if (!upload) throw uploadNotFound(uploadId);
  return upload;
}

function uploadNotFound(uploadId: string): DomainError {
  return new DomainError(
    'not_found',
    `upload ${uploadId} is not known (already committed, or never begun); call begin again`,
  );
}
