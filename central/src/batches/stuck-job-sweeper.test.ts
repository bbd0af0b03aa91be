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
async function abandonedBatch(sequence: number, ageMs: number, earlierDeaths = 0) {
  // One window per drop: drops of the same ride-window would be revisions of each other.
  const drop = buildTestDrop({ sequence, cycles: 1, start: windowStart(sequence) });
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
  // Earlier runs whose worker died too (closed as abandoned by an earlier sweep).
  for (let a = 1; a <= earlierDeaths; a++) {
    const { id } = await startJobRun(env.pool, 'postprocess', batchId);
    await env.pool.query(
      `UPDATE job_runs SET ended_at = now(), outcome = 'abandoned', error = 'abandoned: …' WHERE id = $1`,
      [id],
    );
  }
  const { id: run } = await startJobRun(env.pool, 'postprocess', batchId);
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

/** A UTC hour of its own for drop `n`. */
function windowStart(n: number): string {
  return new Date(Date.parse('2026-06-01T00:00:00Z') + n * 3_600_000).toISOString();
}

describe('stuck-job sweeper', () => {
  it('requeues an abandoned batch through the outbox, fails one whose worker died every time, leaves a live one', async () => {
    const abandoned = await abandonedBatch(1, 2 * TEN_MIN);
    const live = await abandonedBatch(2, 60_000);
    const exhausted = await abandonedBatch(3, 2 * TEN_MIN, 2);

    const swept = await sweepStuckJobs({
      pool: env.pool,
      stuckAfterMs: TEN_MIN,
      maxAttempts: 3,
      log,
    });
    expect(swept).toEqual({ requeued: [abandoned], failed: [exhausted], orphans: 0 });
    expect((await row('batches', live))?.state).toBe('processing');
    expect(await row('batches', exhausted)).toMatchObject({ state: 'failed' });
    expect((await row('batches', exhausted))?.error).toContain(
      'the worker stopped (killed, evicted or out of memory) during each of the last 3 runs',
    );
    const closed = await env.pool.query<{ outcome: string; error: string; ended: boolean }>(
      'SELECT outcome, error, ended_at IS NOT NULL AS ended FROM job_runs WHERE subject = $1 ORDER BY id',
      [abandoned],
    );
    // Closed with when (ended_at, and when it started) and why; not counted as an attempt.
    expect(closed.rows).toEqual([
      {
        outcome: 'abandoned',
        ended: true,
        error: expect.stringMatching(
          /^abandoned: no end 10 min after it started; its worker stopped .* \(run started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC on /,
        ) as string,
      },
    ]);
    // A second sweep (another replica, or the next round) finds nothing more.
    expect(
      await sweepStuckJobs({ pool: env.pool, stuckAfterMs: TEN_MIN, maxAttempts: 3, log }),
    ).toEqual({ requeued: [], failed: [], orphans: 0 });

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
    expect(runs.rows.map((r) => r.outcome)).toEqual(['abandoned', 'succeeded']);
    const attempts = await env.pool.query<{ attempt: number }>(
      'SELECT attempt FROM job_runs WHERE subject = $1 ORDER BY id',
      [abandoned],
    );
    // The run lost with its worker was not one of the job's attempts.
    expect(attempts.rows.map((r) => r.attempt)).toEqual([1, 1]);
  });

  it('requeues a report left running by a dead worker', async () => {
    const reportId = await requestReport(env.pool, {
      park: 'test-park',
      from: '2026-06-01T00:00:00Z',
      to: '2026-06-02T00:00:00Z',
    });
    const { id: run } = await startJobRun(env.pool, 'report', reportId);
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

describe('job runs left without an end', () => {
  it('are closed as abandoned, with when and why, even when their batch or report has since finished', async () => {
    // A batch the broker redelivered after its first worker was killed: the redelivery
    // processed it, the killed attempt's row is still open.
    const drop = buildTestDrop({ sequence: 30, cycles: 1, start: windowStart(30) });
    const { batchId } = await uploadDrop(
      createParkClient(central.url, token),
      drop.zip,
      drop.fileName,
    );
    await waitFor('queued', async () => (await row('batches', batchId))?.state === 'queued', {
      timeoutMs: 30_000,
    });
    const worker = await startWorker(env.config, { drain: true, log, retryDelayMs: 10 });
    await worker.done;
    expect((await row('batches', batchId))?.state).toBe('processed');
    const reportId = await requestReport(env.pool, {
      park: 'test-park',
      from: '2026-06-01T00:00:00Z',
      to: '2026-06-02T00:00:00Z',
    });
    await env.pool.query("UPDATE reports SET state = 'ready' WHERE id = $1", [reportId]);
    const killed = [
      (await startJobRun(env.pool, 'postprocess', batchId)).id,
      (await startJobRun(env.pool, 'report', reportId)).id,
    ];
    await env.pool.query(
      `UPDATE job_runs SET started_at = now() - interval '20 minutes', worker = 'pod-a:7'
        WHERE id = ANY($1::bigint[])`,
      [killed],
    );
    // A live run of a finished subject (started a minute ago) is left alone.
    const { id: live } = await startJobRun(env.pool, 'postprocess', batchId);

    const swept = await sweepStuckJobs({
      pool: env.pool,
      stuckAfterMs: TEN_MIN,
      maxAttempts: 3,
      log,
    });
    expect(swept).toEqual({ requeued: [], failed: [], orphans: 2 });
    const runs = await env.pool.query<{
      id: string;
      outcome: string | null;
      error: string | null;
      ended: boolean;
    }>(
      'SELECT id, outcome, error, ended_at IS NOT NULL AS ended FROM job_runs WHERE id = ANY($1::bigint[]) ORDER BY id',
      [[...killed, live]],
    );
    for (const r of runs.rows.filter((x) => killed.includes(x.id))) {
      expect(r).toMatchObject({ outcome: 'abandoned', ended: true });
      expect(r.error).toMatch(
        /^abandoned: no end 10 min after it started \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC on pod-a:7\); its worker stopped/,
      );
    }
    expect(runs.rows.find((x) => x.id === live)).toMatchObject({ outcome: null, ended: false });
    // Nothing of the finished subjects changed.
    expect((await row('batches', batchId))?.state).toBe('processed');
    expect((await row('reports', reportId))?.state).toBe('ready');
  });
});
