import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import { queueName } from '../queue/queue-names.ts';
import { requestReport } from '../reports/report-store.ts';
import {
  createParkClient,
  createTestEnvironment,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startJobRun } from '../worker/job-runs.ts';
import { startWorker } from '../worker/worker.ts';
import { sweepStuckJobs } from './stuck-job-sweeper.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

let env: TestEnvironment;
let central: RunningCentral;
let token: string;
const log = createLogger('silent');
const TEN_MIN = 600_000;

beforeAll(async () => {
  env = await createTestEnvironment('stuck-jobs');
  central = await startCentral(env.config, {
    scheduler: false,
    uploadSweeper: false,
    stuckJobSweeper: false,
  });
  ({ token } = await createPark(env.pool, { id: 'test-park', name: 'T', timezone: 'Europe/Rome' }));
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

async function row(table: 'batches' | 'reports', id: string) {
  const r = await env.pool.query<{ state: string; error: string | null }>(
    `SELECT state, error FROM ${table} WHERE id = $1`,
    [id],
  );
  return r.rows[0];
}

/**
 * A batch whose job started `ageMs` ago and never ended, and whose message is gone from the
 * broker: the worker wrote what it writes at a job's start (a job run, state processing),
 * then died after the message was taken for good (acked, or lost with the broker).
 */
async function abandonedBatch(sequence: number, ageMs: number, earlierAttempts = 0) {
  const drop = buildTestDrop({ sequence, cycles: 1 });
  const { batchId } = await uploadDrop(
    createParkClient(central.url, token),
    drop.zip,
    drop.fileName,
  );
  await waitFor('queued', async () => (await row('batches', batchId))?.state === 'queued', {
    timeoutMs: 30_000,
  });
  const conn = await amqp.connect(env.config.amqpUrl);
  try {
    const ch = await conn.createChannel();
    const msg = await waitFor('the message', () =>
      ch.get(queueName(env.config.queuePrefix, 'postprocess'), { noAck: true }),
    );
    expect(JSON.parse(msg.content.toString())).toEqual({ batchId });
  } finally {
    await conn.close();
  }
  for (let a = 1; a <= earlierAttempts; a++) {
    const id = await startJobRun(env.pool, 'postprocess', batchId, a);
    await env.pool.query(
      `UPDATE job_runs SET ended_at = now(), outcome = 'retrying', error = 'crash' WHERE id = $1`,
      [id],
    );
  }
  const run = await startJobRun(env.pool, 'postprocess', batchId, earlierAttempts + 1);
  await env.pool.query(
    `UPDATE batches SET state = 'processing',
            updated_at = now() - $2::float8 * interval '1 millisecond' WHERE id = $1`,
    [batchId, ageMs],
  );
  await env.pool.query(
    `UPDATE job_runs SET started_at = now() - $2::float8 * interval '1 millisecond' WHERE id = $1`,
    [run, ageMs],
  );
  return batchId;
}

describe('stuck-job sweeper', () => {
  it('requeues an abandoned batch through the outbox, fails one out of attempts, leaves a live one', async () => {
    const abandoned = await abandonedBatch(1, 2 * TEN_MIN);
    const live = await abandonedBatch(2, 60_000);
    const exhausted = await abandonedBatch(3, 2 * TEN_MIN, 2);

    const swept = await sweepStuckJobs({
      pool: env.pool,
      stuckAfterMs: TEN_MIN,
      maxAttempts: 3,
      log,
    });
    expect(swept).toEqual({ requeued: [abandoned], failed: [exhausted] });
    expect((await row('batches', live))?.state).toBe('processing');
    expect(await row('batches', exhausted)).toMatchObject({ state: 'failed' });
    expect((await row('batches', exhausted))?.error).toContain('gave up: 3 attempts');
    const closed = await env.pool.query<{ outcome: string; error: string }>(
      'SELECT outcome, error FROM job_runs WHERE subject = $1 ORDER BY id',
      [abandoned],
    );
    expect(closed.rows).toEqual([
      { outcome: 'retrying', error: expect.stringMatching(/^abandoned: requeued/) as string },
    ]);
    // A second sweep (another replica, or the next round) finds nothing more.
    expect(
      await sweepStuckJobs({ pool: env.pool, stuckAfterMs: TEN_MIN, maxAttempts: 3, log }),
    ).toEqual({ requeued: [], failed: [] });

    // The publisher sends it again; a worker finishes it.
    await waitFor(
      'requeued batch published',
      async () => (await row('batches', abandoned))?.state === 'queued',
      {
        timeoutMs: 30_000,
      },
    );
    const worker = await startWorker(env.config, { drain: true, log, retryDelayMs: 10 });
    await worker.done;
    expect(await row('batches', abandoned)).toEqual({ state: 'processed', error: null });
    const runs = await env.pool.query<{ outcome: string }>(
      'SELECT outcome FROM job_runs WHERE subject = $1 ORDER BY id',
      [abandoned],
    );
    expect(runs.rows.map((r) => r.outcome)).toEqual(['retrying', 'succeeded']);
  });

  it('requeues a report left running by a dead worker', async () => {
    const reportId = await requestReport(env.pool, {
      park: 'test-park',
      from: '2026-06-01T00:00:00Z',
      to: '2026-06-02T00:00:00Z',
    });
    const run = await startJobRun(env.pool, 'report', reportId, 1);
    await env.pool.query(
      `UPDATE reports SET state = 'running', started_at = now() - interval '20 minutes' WHERE id = $1`,
      [reportId],
    );
    await env.pool.query(
      `UPDATE job_runs SET started_at = now() - interval '20 minutes' WHERE id = $1`,
      [run],
    );
    const before = await env.pool.query('SELECT 1 FROM outbox WHERE message_id = $1', [reportId]);
    const swept = await sweepStuckJobs({
      pool: env.pool,
      stuckAfterMs: TEN_MIN,
      maxAttempts: 3,
      log,
    });
    expect(swept.requeued).toEqual([reportId]);
    expect((await row('reports', reportId))?.state).toBe('queued');
    const after = await env.pool.query('SELECT 1 FROM outbox WHERE message_id = $1', [reportId]);
    expect(after.rowCount).toBe((before.rowCount ?? 0) + 1);
  });
});
