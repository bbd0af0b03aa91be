import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createLogger } from '../logger.ts';
import { deadLetterQueueName, queueName } from '../queue/queue-names.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startWorker, type RunningWorker } from '../worker/worker.ts';
import { startTcpProxy, type TcpProxy } from '../../../scripts/harness/tcp-proxy.ts';
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
  env = await createTestEnvironment('fault-consume-cut');
  bins = await faultyBinDir({ realBinDir: env.config.rustBinDir, holdFirst: true });
  proxy = await startTcpProxy(env.config.amqpUrl);
  // The API publishes straight to the broker; only the worker's link goes through the proxy.
  central = await startCentral(env.config, { scheduler: false, stuckJobSweeper: false });
  token = await createTestPark(env.pool);
});

afterAll(() => tearDownFaultTest({ env, central, worker, proxy, bins }));

describe('broker connection cut while the worker holds a job', () => {
  it('redelivers the message after the link returns; the batch ends processed with its results once', async () => {
    const viaProxy = new URL(env.config.amqpUrl);
    viaProxy.port = String(proxy.port);
    worker = await startWorker(
      { ...env.config, amqpUrl: viaProxy.toString(), rustBinDir: bins.dir },
      { log: createLogger('silent'), retryDelayMs: 50, concurrency: 1 },
    );
    const drop = buildTestDrop({ sequence: 1, cycles: 3 });
    const result = await uploadDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
    if (result.status !== 'stored') throw new Error(`upload ended ${result.status}`);

    // The job is running (the postprocessor is held): its message is unacked on this link.
    await waitFor('the first run of the postprocessor', () => bins.started(), {
      timeoutMs: 30_000,
    });
    proxy.cut();
    // The broker notices the dead connection and puts the message back as ready.
    const conn = await amqp.connect(env.config.amqpUrl);
    const ch = await conn.createChannel();
    const main = queueName(env.config.queuePrefix, 'postprocess');
    try {
      await waitFor(
        'the broker to requeue the unacked message',
        async () => (await ch.checkQueue(main)).messageCount === 1,
        { timeoutMs: 30_000 },
      );
      proxy.restore();
      // The worker reconnects and the broker hands it the message again while the first run
      // still holds the only job slot: a link blip shorter than a job.
      await waitFor(
        'the worker to reconnect and take the redelivered message',
        async () => {
          const q = await ch.checkQueue(main);
          return q.messageCount === 0 && q.consumerCount === 1;
        },
        { timeoutMs: 30_000 },
      );
      // The held run now finishes (results written, but its ack has nowhere to go).
      await bins.release();

      await waitFor(
        'the batch to be processed and the message acked on the new link',
        async () => {
          const b = await env.pool.query<{ state: string }>(
            'SELECT state FROM batches WHERE id = $1',
            [result.batchId],
          );
          const runs = await bins.runs();
          return b.rows[0]?.state === 'processed' && runs.length >= 2;
        },
        { timeoutMs: 60_000 },
      );
      // Stopping finishes and settles whatever is in hand; an unacked message would return.
      await worker.stop();
      worker = undefined;
      expect((await ch.checkQueue(main)).messageCount).toBe(0);
      const dlq = deadLetterQueueName(env.config.queuePrefix, 'postprocess');
      expect((await ch.checkQueue(dlq)).messageCount).toBe(0);
    } finally {
      await conn.close();
    }

    // Redelivered: the postprocessor ran again for the same message.
    expect((await bins.runs()).length).toBeGreaterThanOrEqual(2);
    const runs = await env.pool.query<{ outcome: string | null }>(
      'SELECT outcome FROM job_runs WHERE subject = $1 ORDER BY id',
      [result.batchId],
    );
    expect(runs.rows.length).toBeGreaterThanOrEqual(2);
    expect(runs.rows.at(-1)?.outcome).toBe('succeeded');
    // The results exist once, however many runs wrote them.
    const cycles = await env.pool.query<{ cycle_id: string }>(
      'SELECT cycle_id FROM cycles WHERE batch_id = $1 ORDER BY ordinal',
      [result.batchId],
    );
    expect(cycles.rows.map((r) => r.cycle_id)).toEqual(['c0-1', 'c0-2', 'c0-3']);
    const hourly = await env.pool.query<{ n: number }>(
      'SELECT sum(cycles)::int AS n FROM hourly_aggregates WHERE batch_id = $1',
      [result.batchId],
    );
    expect(hourly.rows[0]?.n).toBe(3);
  });
});
