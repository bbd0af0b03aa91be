import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { enqueue } from '../queue/outbox.ts';
import { blobRemoved } from '../retention/retention-state.ts';

/** Why a batch cannot be retried; the message says what state it is in. */
export class BatchRetryError extends Error {
  override name = 'BatchRetryError';
}

/**
 * Sends a `failed` batch to post-processing again (the dashboard's "retry"): state back to
 * `stored` and a new outbox row, in one transaction. Quarantined drops cannot be retried: their
 * bytes are invalid and will stay so; the park must send a corrected drop.
 */
export async function retryBatch(pool: pg.Pool, batchId: string): Promise<void> {
  await withTransaction(pool, async (c) => {
    const r = await c.query<{ state: string }>(
      'SELECT state FROM batches WHERE id = $1 FOR UPDATE',
      [batchId],
    );
    const state = r.rows[0]?.state;
    if (!state) throw new BatchRetryError(`there is no batch ${batchId}`);
    if (state !== 'failed') {
      throw new BatchRetryError(`batch ${batchId} is ${state}; only failed batches are retried`);
    }
    if (await blobRemoved(c, batchId)) {
      throw new BatchRetryError(
        `batch ${batchId} cannot be retried: its zip file was removed by retention (RETAIN_BLOBS_D); the park must send the drop again`,
      );
    }
    await c.query("UPDATE batches SET state = 'stored', updated_at = now() WHERE id = $1", [
      batchId,
    ]);
    await enqueue(c, 'postprocess', { batchId }, batchId);
  });
}
