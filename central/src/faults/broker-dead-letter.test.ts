import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { queueName } from '../queue/queue-names.ts';
import { captureLog } from '../testing/log-capture.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startWorker, type RunningWorker } from '../worker/worker.ts';
import { startTcpProxy, throughProxy, type TcpProxy } from '../../../scripts/harness/tcp-proxy.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { faultyBinDir, type FaultyBinDir } from './job-binaries.ts';
import { tearDownFaultTest } from './fault-teardown.ts';

let env: TestEnvironment;
let central: RunningCentral;
let proxy: TcpProxy;
let bins: FaultyBinDir;
let worker: RunningWorker | undefined;
let token: string;

beforeAll(async () => {
  env = await createTestEnvironment('fault-dead-letter');
  // The broker dead-letters a message returned more than once: two lost links are enough.
  env.config.deliveryLimit = 1;
  bins = await faultyBinDir({ realBinDir: env.config.rustBinDir, holdAll: true });
  proxy = await startTcpProxy(env.config.amqpUrl);
  central = await startCentral(env.config, { scheduler: false, stuckJobSweeper: false });
  token = await createTestPark(env.pool);
});

afterAll(() => tearDownFaultTest({ env, central, worker, proxy, bins }));

async function batchState(id: string) {
  const r = await env.pool.query<{ state: string; error: string | null }>(
    'SELECT state, error FROM batches WHERE id = $1',
    [id],
  );
  return r.rows[0];
}

describe('the broker gives up on a message whose deliveries were lost with broker links', () => {
  it('the batch is queued again, not failed: broker outages use no attempt', async () => {
    const capture = captureLog('info');
    worker = await startWorker(
      {
        ...env.config,
        amqpUrl: throughProxy(env.config.amqpUrl, proxy.port),
        rustBinDir: bins.dir,
      },
      // The held runs keep two slots, the dead-letter queue's message gets the third.
      { log: capture.log, retryDelayMs: 50, concurrency: 3 },
    );
    const drop = buildTestDrop({ sequence: 1, cycles: 3, start: '2026-06-01T08:00:00Z' });
    const result = await uploadDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
    if (result.status !== 'stored') throw new Error(`upload ended ${result.status}`);
    await waitFor('the job to start', () => bins.started(), { timeoutMs: 30_000 });

    const conn = await amqp.connect(env.config.amqpUrl);
    try {
      const ch = await conn.createChannel();
      const main = queueName(env.config.queuePrefix, 'postprocess');
      // Each cut returns the unacked message to the queue and the broker counts a delivery.
      for (let cut = 1; cut <= 2; cut++) {
        proxy.cut();
        await waitFor(
          `the broker to notice lost link ${cut}`,
          async () => (await ch.checkQueue(main)).consumerCount === 0,
          { timeoutMs: 30_000 },
        );
        proxy.restore();
        await waitFor(
          `the worker to be back after lost link ${cut}`,
          async () => (await ch.checkQueue(main)).consumerCount === 1,
          { timeoutMs: 30_000 },
        );
      }
      // Returned twice with x-delivery-limit 1: the broker dead-letters it by itself, while
      // the runs of both deliveries still hold their jobs.
      await capture.waitFor(
        'the dead-lettered message to be queued again',
        (l) => l.subject === result.batchId && String(l.msg).includes('queued again'),
      );
      const pending = await batchState(result.batchId);
      expect(['stored', 'queued', 'processing']).toContain(pending?.state);
      expect(pending?.error).toBeNull();
      await bins.release();
      // The two held runs and the run of the fresh message all end.
      await waitFor(
        'the batch to be processed and the fresh message to be run',
        async () => {
          const r = await env.pool.query<{ open: number; all: number }>(
            `SELECT count(*) FILTER (WHERE ended_at IS NULL)::int AS open, count(*)::int AS all
               FROM job_runs WHERE subject = $1`,
            [result.batchId],
          );
          const runs = r.rows[0];
          return (
            (await batchState(result.batchId))?.state === 'processed' &&
            runs?.open === 0 &&
            runs.all === 3
          );
        },
        { timeoutMs: 60_000 },
      );
      const outbox = await env.pool.query<{ published: boolean }>(
        'SELECT published_at IS NOT NULL AS published FROM outbox WHERE message_id = $1 ORDER BY id',
        [result.batchId],
      );
      // The commit's message, and the fresh one the dead-letter check queued.
      expect(outbox.rows).toEqual([{ published: true }, { published: true }]);
      await worker.stop();
      worker = undefined;
      const runs = await env.pool.query<{ attempt: number; outcome: string }>(
        'SELECT attempt, outcome FROM job_runs WHERE subject = $1 ORDER BY id',
        [result.batchId],
      );
      // Every run was the job's first attempt, and none failed.
      expect(runs.rows.every((r) => r.attempt === 1 && r.outcome === 'succeeded')).toBe(true);
      expect(await batchState(result.batchId)).toEqual({ state: 'processed', error: null });
      const cycles = await env.pool.query('SELECT 1 FROM cycles WHERE batch_id = $1', [
        result.batchId,
      ]);
      expect(cycles.rowCount).toBe(3);
    } finally {
      await conn.close();
    }
  });
});
