import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { withTransaction } from '../db/pool.ts';
import { postprocessMessageSchema, type PostprocessMessage } from '../queue/messages.ts';
import type { JobKind } from './job-kind.ts';
import { PermanentJobError } from './job-kind.ts';
import { postprocessResultSchema, type PostprocessResult } from './postprocess-result.ts';
import { runJobBinary } from './run-job-binary.ts';
import { writeBatchResults } from './write-batch-results.ts';

interface BatchRow {
  id: string;
  park_id: string;
  ride_id: string | null;
  content_id: string | null;
  blob_path: string;
  state: string;
}

/**
 * Post-processes one stored batch with the Rust `postprocessor` and replaces the batch's
 * results in one transaction, so a redelivered message rewrites the same rows.
 */
export const postprocessJob: JobKind<PostprocessMessage> = {
  queue: 'postprocess',
  message: postprocessMessageSchema,
  subject: (m) => m.batchId,

  async run({ pool, config, blobs, log }, { batchId }) {
    const r = await pool.query<BatchRow>(
      'SELECT id, park_id, ride_id, content_id, blob_path, state FROM batches WHERE id = $1',
      [batchId],
    );
    const batch = r.rows[0];
    if (!batch) throw new PermanentJobError(`batch ${batchId} does not exist`);
    if (batch.state === 'quarantined' || !batch.ride_id || !batch.content_id) {
      log.warn({ batchId }, 'quarantined batch was queued; nothing to post-process');
      return;
    }
    await pool.query("UPDATE batches SET state = 'processing', updated_at = now() WHERE id = $1", [
      batchId,
    ]);
    const out = blobs.tmpPath('.postprocess.json');
    try {
      await runJobBinary(
        join(config.rustBinDir, 'postprocessor'),
        ['--drop', batch.blob_path, '--ride-models', config.rideModelsPath, '--out', out],
        config.jobTimeoutMs,
      );
      const result = parseResult(await readFile(out, 'utf8'));
      if (result.drop.contentId !== batch.content_id) {
        throw new Error(
          `postprocessor read content ${result.drop.contentId}, but batch ${batchId} holds ${batch.content_id}`,
        );
      }
      await withTransaction(pool, async (c) => {
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

  async onRetry({ pool }, { batchId }, error) {
    await pool.query(
      `UPDATE batches SET state = 'queued', error = $2, updated_at = now()
        WHERE id = $1 AND state IN ('queued', 'processing')`,
      [batchId, error],
    );
  },

  async onGiveUp({ pool }, { batchId }, error) {
    await pool.query(
      `UPDATE batches SET state = 'failed', error = $2, updated_at = now()
        WHERE id = $1 AND state NOT IN ('quarantined', 'processed')`,
      [batchId, error],
    );
  },

  async onDeadLettered({ pool }, { batchId }) {
    await pool.query(
      `UPDATE batches SET state = 'failed', updated_at = now(),
              error = 'gave up: every delivery ended without an answer (worker crashed or was killed); ' || coalesce(error, '')
        WHERE id = $1 AND state IN ('stored', 'queued', 'processing')`,
      [batchId],
    );
  },
};

function parseResult(text: string): PostprocessResult {
  const parsed = postprocessResultSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `postprocessor output is not zamperla.postprocess/v1: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}
