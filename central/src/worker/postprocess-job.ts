import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DROP_REJECTION_CODES, verifyDrop } from '@zra/shared';
import { BlobDamagedError, BlobMissingError } from '../blob/blob-errors.ts';
import type { BlobStore } from '../blob/blob-store.ts';
import { withTransaction } from '../db/pool.ts';
import { refuseStoredDrop } from '../ingest/commit-drop.ts';
import { enqueue } from '../queue/outbox.ts';
import { postprocessMessageSchema, type PostprocessMessage } from '../queue/messages.ts';
import { JobFailureError } from './job-failure.ts';
import type { JobKind, SubjectState } from './job-kind.ts';
import { PermanentJobError } from './job-kind.ts';
import { postprocessResultSchema, type PostprocessResult } from './postprocess-result.ts';
import { JobBinaryError, runJobBinary } from './run-job-binary.ts';
import { writeBatchResults } from './write-batch-results.ts';

interface BatchRow {
  id: string;
  park_id: string;
  ride_id: string | null;
  content_id: string | null;
  blob_path: string;
  file_name: string;
  state: string;
}

const STATES: Record<string, SubjectState> = {
  stored: 'pending',
  queued: 'pending',
  processing: 'pending',
  processed: 'done',
  quarantined: 'done',
  failed: 'failed',
};

const RESTORE_DROP =
  'restore the file from a backup of the blob store, or ask the park to send the drop again, then retry it from the dashboard';

/**
 * Post-processes one stored batch with the Rust `postprocessor` and replaces the batch's
 * results in one transaction, so a redelivered message rewrites the same rows.
 *
 * The postprocessor checks the drop in full first (every entry's CRC, hash and schema: commit
 * checked only its outline). A drop it refuses ends as if commit had refused it: `quarantined`
 * with the code and sentence of shared's verifyDrop (the park agent's words), its earlier
 * revision live again, nothing counted.
 */
export const postprocessJob: JobKind<PostprocessMessage> = {
  queue: 'postprocess',
  message: postprocessMessageSchema,
  subject: (m) => m.batchId,

  async state(db, { batchId }) {
    const r = await db.query<{ state: string }>('SELECT state FROM batches WHERE id = $1', [
      batchId,
    ]);
    const state = r.rows[0]?.state;
    return state === undefined ? 'missing' : (STATES[state] ?? 'pending');
  },

  async run({ pool, config, blobs, log, stop }, { batchId }) {
    const r = await pool.query<BatchRow>(
      'SELECT id, park_id, ride_id, content_id, blob_path, file_name, state FROM batches WHERE id = $1',
      [batchId],
    );
    const batch = r.rows[0];
    if (!batch) {
      throw new PermanentJobError(
        'batch_missing',
        `batch ${batchId} no longer exists`,
        'nothing: the drop was removed from central',
      );
    }
    if (batch.state === 'quarantined' || !batch.ride_id || !batch.content_id) {
      log.warn({ batchId }, 'quarantined batch was queued; nothing to post-process');
      return;
    }
    await checkBlob(blobs, batch.blob_path);
    await pool.query("UPDATE batches SET state = 'processing', updated_at = now() WHERE id = $1", [
      batchId,
    ]);
    const out = blobs.tmpPath('.postprocess.json');
    try {
      const refused = await withDropFile(blobs, batch.blob_path, async (drop) => {
        try {
          await runJobBinary(
            join(config.rustBinDir, 'postprocessor'),
            ['--drop', drop, '--ride-models', config.rideModelsPath, '--out', out],
            config.jobTimeoutMs,
            stop,
          );
          return null;
        } catch (err) {
          if (!isDropRefusal(err)) throw err;
          // The agent's own words for it; null when the two verifiers disagree (kept a failure).
          const verdict = verifyDrop(await readFile(drop), { fileName: batch.file_name });
          if (verdict.ok) throw err;
          return verdict;
        }
      });
      if (refused) {
        const outcome = await refuseStoredDrop(pool, batchId, refused);
        log.warn(
          { batchId, code: refused.code, outcome },
          'the full check refused a drop commit had accepted; it ends as if commit had refused it',
        );
        return;
      }
      const result = parseResult(await readOutput(out));
      if (result.drop.contentId !== batch.content_id) {
        throw new JobFailureError({
          code: 'content_mismatch',
          what: `the stored drop file no longer holds the content central received (content id ${result.drop.contentId}, expected ${batch.content_id}): the blob store is damaged`,
          todo: RESTORE_DROP,
          permanent: true,
        });
      }
      await withTransaction(pool, async (c) => {
        // Two deliveries of one batch can run at once (a redelivery while the first run still
        // holds its job): their replaces take turns instead of colliding on the same rows.
        await c.query('SELECT 1 FROM batches WHERE id = $1 FOR UPDATE', [batchId]);
        await writeBatchResults(
          c,
          { batchId, parkId: batch.park_id, rideId: batch.ride_id as string },
          result,
        );
        await c.query(
          `UPDATE batches SET state = 'processed', error = NULL, error_code = NULL,
                  processed_at = now(), updated_at = now() WHERE id = $1`,
          [batchId],
        );
      });
      log.info({ batchId, cycles: result.cycles.length }, 'batch processed');
    } finally {
      await rm(out, { force: true });
    }
  },

  async onRetry(db, { batchId }, error) {
    await db.query(
      `UPDATE batches SET state = 'queued', error = $2, error_code = $3, updated_at = now()
        WHERE id = $1 AND state IN ('queued', 'processing')`,
      [batchId, error.text, error.code],
    );
  },

  async onGiveUp(db, { batchId }, error) {
    await db.query(
      `UPDATE batches SET state = 'failed', error = $2, error_code = $3, updated_at = now()
        WHERE id = $1 AND state NOT IN ('quarantined', 'processed')`,
      [batchId, error.text, error.code],
    );
  },

  async requeue(db, { batchId }) {
    await db.query(
      `UPDATE batches SET state = 'stored', updated_at = now()
        WHERE id = $1 AND state IN ('stored', 'queued', 'processing')`,
      [batchId],
    );
    await enqueue(db, 'postprocess', { batchId }, batchId);
  },
};

/** The postprocessor refused the drop itself (exit 2 with a rejection code of the format). */
function isDropRefusal(err: unknown): err is JobBinaryError {
  return (
    err instanceof JobBinaryError &&
    err.exitCode === 2 &&
    (DROP_REJECTION_CODES as readonly string[]).includes(err.code)
  );
}

/**
 * The drop's file must be in the blob store. A missing object under a reachable store is lost
 * (permanent); an unreachable store (volume not mounted, I/O errors, object store down) is the
 * store's outage and its error is left to the worker to wait out.
 */
async function checkBlob(blobs: BlobStore, ref: string): Promise<void> {
  if (!(await blobs.exists(ref))) throw blobMissing();
}

/**
 * Runs `fn` with the drop as a local file (an object store's is copied to a scratch file,
 * checked against its SHA-256 and removed afterwards).
 */
async function withDropFile<T>(
  blobs: BlobStore,
  ref: string,
  fn: (path: string) => Promise<T>,
): Promise<T> {
  try {
    return await blobs.withLocalFile(ref, fn);
  } catch (err) {
    if (err instanceof BlobMissingError) throw blobMissing();
    if (err instanceof BlobDamagedError) {
      throw new JobFailureError(
        {
          code: 'blob_damaged',
          what: "the blob store returned bytes that do not match the drop's SHA-256",
          todo: `check the object store's health; if it lasts, ${RESTORE_DROP}`,
          permanent: false,
        },
        { cause: err },
      );
    }
    throw err;
  }
}

function blobMissing(): PermanentJobError {
  return new PermanentJobError(
    'blob_missing',
    "the drop's file is missing from the blob store",
    RESTORE_DROP,
  );
}

async function readOutput(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
    throw new JobFailureError({
      code: 'output_missing',
      what: 'the postprocessor ended without an error but wrote no result',
      todo: 'send the id to Zamperla support with the worker log of that time',
      permanent: false,
    });
  }
}

function parseResult(text: string): PostprocessResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = postprocessResultSchema.safeParse(json);
  if (!parsed.success) {
    throw new JobFailureError(
      {
        code: 'result_invalid',
        what: 'the postprocessor wrote a result that does not follow zamperla.postprocess/v1',
        todo: 'the worker and the job binaries come from different versions: deploy matching versions, then retry it from the dashboard',
        permanent: true,
      },
      { cause: parsed.error },
    );
  }
  return parsed.data;
}
