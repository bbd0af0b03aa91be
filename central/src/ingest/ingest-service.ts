import { randomUUID } from 'node:crypto';
import { open, rm, writeFile } from 'node:fs/promises';
import { TRPCError } from '@trpc/server';
import type { DropRejectionCode, VerifyResult } from '@zra/shared';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { BlobStore } from '../blob/blob-store.ts';
import { isConnectionLost } from '../db/connection-lost.ts';
import { isUniqueViolation, withTransaction } from '../db/pool.ts';
import { enqueue } from '../queue/outbox.ts';
import type { IngestService } from '../server/context.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import type { UploadChecker } from './drop-verifier.ts';
import type { BeginInput, CommitOutput } from './ingest-schemas.ts';

/** shared's verdict, plus the one check only central can make: the token's park. */
type Verdict =
  | Extract<VerifyResult, { ok: true }>
  | { ok: false; code: DropRejectionCode | 'park_mismatch'; reason: string };

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
}

/**
 * Begin / chunk / commit of docs/job-contracts.md. Every step is idempotent: a retried begin
 * resumes, a retried chunk at the stored end is refused with that end, a retried commit of an
 * already stored drop answers `duplicate`.
 */
export function createIngestService(deps: IngestDeps): IngestService {
  const { pool, blobs, log } = deps;

  async function existingBatch(park: ParkIdentity, input: BeginInput): Promise<string | null> {
    // A quarantined drop has no trusted content id; the same bytes again are the same verdict.
    const r = await pool.query<{ id: string }>(
      `SELECT id FROM batches
        WHERE park_id = $1 AND (content_id = $2 OR (content_id IS NULL AND sha256 = $3))
        LIMIT 1`,
      [park.id, input.contentId, input.sha256],
    );
    return r.rows[0]?.id ?? null;
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
          throw new TRPCError({
            code: 'CONFLICT',
            message: `chunk offset ${input.offset} is not where the upload stands: central holds ${stored} bytes; resume from offset ${stored}`,
          });
        }
        const end = stored + data.length;
        if (end > Number(upload.bytes)) {
          throw new TRPCError({
            code: 'BAD_REQUEST',
            message: `chunk ends at byte ${end}, past the declared size of ${upload.bytes} bytes`,
          });
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
      const r = await pool.query<UploadRow>(
        'SELECT * FROM uploads WHERE id = $1 AND park_id = $2',
        [input.uploadId, park.id],
      );
      const upload = r.rows[0];
      if (!upload) throw uploadNotFound(input.uploadId);
      const declared = Number(upload.bytes);
      const received = Number(upload.received_bytes);
      if (received !== declared) {
        throw new TRPCError({
          code: 'PRECONDITION_FAILED',
          message: `upload is incomplete: central holds ${received} of ${declared} bytes; send the rest from offset ${received}`,
        });
      }
      // Off the event loop: reading, hashing and verifying a big drop takes CPU seconds.
      const check = await deps.checkUpload(upload.temp_path, upload.file_name);
      // A concurrent commit of this upload finished first and removed the file.
      if (!check.found) throw uploadNotFound(input.uploadId);
      const { sha256 } = check;
      if (check.bytes !== declared || sha256 !== upload.sha256) {
        await resetUpload(upload, declared);
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `the uploaded bytes do not match the declared file (SHA-256 ${sha256}, ${check.bytes} bytes; expected ${upload.sha256}, ${declared} bytes); the upload was reset, send it again from offset 0`,
        });
      }
      const verdict = withPark(check.verdict, park);
      const blobPath = await blobs.storeBlob(upload.temp_path, sha256).catch((err: unknown) => {
        // The concurrent commit may also remove the file between the check and this copy.
        throw (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? uploadNotFound(input.uploadId)
          : err;
      });
      const batchId = randomUUID();
      const base = [batchId, park.id, sha256, declared, upload.file_name, blobPath];
      let result: CommitOutput;
      try {
        result = await withTransaction(pool, async (c) => {
          if (!verdict.ok) {
            await c.query(
              `INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, state, error_code, error)
               VALUES ($1, $2, $3, $4, $5, $6, 'quarantined', $7, $8)`,
              [...base, verdict.code, verdict.reason],
            );
            await c.query('DELETE FROM uploads WHERE id = $1', [upload.id]);
            return {
              status: 'quarantined' as const,
              batchId,
              code: verdict.code,
              reason: verdict.reason,
            };
          }
          const m = verdict.manifest;
          await c.query(
            `INSERT INTO rides (park_id, id, model, name) VALUES ($1, $2, $3, $2)
             ON CONFLICT (park_id, id) DO NOTHING`,
            [park.id, m.ride, m.model],
          );
          await c.query(
            `INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, state,
                                  ride_id, sequence, window_start, window_end, content_id)
             VALUES ($1, $2, $3, $4, $5, $6, 'stored', $7, $8, $9, $10, $11)`,
            [...base, m.ride, m.sequence, m.window.start, m.window.end, verdict.contentId],
          );
          // Other content for the same ride, window and sequence is a revision: the new batch wins.
          await c.query(
            `UPDATE batches SET superseded_by = $1, updated_at = now()
              WHERE park_id = $2 AND ride_id = $3 AND sequence = $4 AND window_start = $5
                AND id <> $1 AND superseded_by IS NULL AND content_id IS NOT NULL`,
            [batchId, park.id, m.ride, m.sequence, m.window.start],
          );
          await enqueue(c, 'postprocess', { batchId }, batchId);
          await c.query('DELETE FROM uploads WHERE id = $1', [upload.id]);
          return { status: 'stored' as const, batchId };
        });
      } catch (err) {
        // A concurrent commit of the same content won the unique constraint: same drop.
        if (
          isUniqueViolation(err, 'batches_park_content_key') ||
          isUniqueViolation(err, 'batches_quarantined_sha_key')
        ) {
          const existing = await existingBatch(park, {
            sha256,
            contentId: verdict.ok ? verdict.contentId : upload.content_id,
            bytes: declared,
            fileName: upload.file_name,
          });
          if (!existing) throw err;
          await pool.query('DELETE FROM uploads WHERE id = $1', [upload.id]);
          await rm(upload.temp_path, { force: true });
          return { status: 'duplicate', batchId: existing };
        }
        if (isConnectionLost(err)) {
          // The COMMIT may or may not have reached PostgreSQL: the outcome is unknown here, and
          // a retried commit (then begin, on NOT_FOUND) finds out without storing twice.
          throw new TRPCError({
            code: 'SERVICE_UNAVAILABLE',
            message:
              'the database connection was lost while committing; retry the commit (if central then answers that the upload is unknown, call begin again: it answers duplicate when the drop was stored)',
            cause: err,
          });
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
        },
        'upload committed',
      );
      return result;
    },
  };

  function withPark(verdict: VerifyResult, park: ParkIdentity): Verdict {
    if (verdict.ok && verdict.manifest.park !== park.id) {
      return {
        ok: false,
        code: 'park_mismatch',
        reason: `the drop belongs to park "${verdict.manifest.park}" but was sent with the token of park "${park.id}"; check the gateway's park setting`,
      };
    }
    return verdict;
  }

  async function resetUpload(upload: UploadRow, bytes: number): Promise<void> {
    await writeFile(upload.temp_path, new Uint8Array(0));
    await pool.query(
      'UPDATE uploads SET received_bytes = 0, bytes = $2, updated_at = now() WHERE id = $1',
      [upload.id, bytes],
    );
  }
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

function uploadNotFound(uploadId: string): TRPCError {
  return new TRPCError({
    code: 'NOT_FOUND',
    message: `upload ${uploadId} is not known (already committed, or never begun); call begin again`,
  });
}
