import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { startCentral, type RunningCentral } from '../central.ts';
import { createLogger } from '../logger.ts';
import { captureLog } from '../testing/log-capture.ts';
import { startOutboxPublisher, type OutboxPublisher } from '../queue/outbox-publisher.ts';
import type { QueueName } from '../queue/queue-names.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startWorker } from './worker.ts';

/**
 * A KEDA job pod drains its queue and exits. With the fair share, a park's drops beyond
 * PARK_QUEUE_SHARE wait in the outbox and are published one by one as its jobs end, so the
 * queue is empty for a moment while work is still coming. Here the share is one drop.
 * (A worker without the wait may still catch a release by luck: the publisher races its last
 * look at the queues. The last drop's release races the worker's last look too: once, in CI,
 * it was published between an empty look at the queue and the look at the outbox, and the
 * worker exited with it queued; the worker now looks at its queues once more after the outbox
 * shows nothing held.)
 */
let env: TestEnvironment;
let central: RunningCentral | null = null;
let publisher: OutboxPublisher | null = null;
let token: string;
let hour = 0;

beforeAll(async () => {
  env = await createTestEnvironment('drain_wait');
  central = await startCentral({ ...env.config, parkQueueShare: 1 });
  token = await createTestPark(env.pool);
});

afterAll(async () => {
  await publisher?.stop();
  await central?.close();
  await env?.cleanup();
});

/** Uploads `n` drops of one park (each its own hour); returns their batch ids. */
async function uploadDrops(n: number): Promise<string[]> {
  if (!central) throw new Error('central is not running');
  const client = createParkClient(central.url, token);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const start = new Date(Date.UTC(2026, 5, 1) + hour++ * 3_600_000).toISOString();
    const drop = buildTestDrop({ start, cycles: 2 });
    const result = await uploadDrop(client, drop.zip, drop.fileName);
    if (result.status !== 'stored') throw new Error(`upload ended ${result.status}`);
    ids.push(result.batchId);
  }
  return ids;
}

async function states(ids: string[]): Promise<string[]> {
  const r = await env.pool.query<{ id: string; state: string }>(
    'SELECT id, state FROM batches WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return ids.map((id) => r.rows.find((row) => row.id === id)?.state ?? 'missing');
}

/** Runs a drain-mode worker to its end; returns how long it ran once started. */
async function drain(
  drainWaitMs: number,
  queues?: readonly QueueName[],
  log = createLogger('silent'),
): Promise<number> {
  const worker = await startWorker(env.config, {
    drain: true,
    log,
    drainWaitMs,
    queues,
  });
  const started = Date.now();
  await worker.done;
  return Date.now() - started;
}

describe('a drain-mode worker and the drops the fair share holds back', () => {
  it('takes each held drop as the API publishes it, and exits once none is left', async () => {
    const ids = await uploadDrops(4);
    await waitFor('the first drop queued', async () => (await states(ids))[0] === 'queued', {
      timeoutMs: 20_000,
    });
    expect((await states(ids)).slice(1)).toEqual(['stored', 'stored', 'stored']);
    // The API's publisher goes away, so the pod surely finds its queue empty after the first
    // drop; it comes back once that drop is done, as it would after its next poll.
    await central?.close();
    central = null;
    const worker = await startWorker(env.config, {
      drain: true,
      log: createLogger('silent'),
      drainWaitMs: 10_000,
    });
    await waitFor('the first drop processed', async () => (await states(ids))[0] === 'processed', {
      timeoutMs: 20_000,
    });
    publisher = startOutboxPublisher({
      pool: env.pool,
      amqpUrl: env.config.amqpUrl,
      queuePrefix: env.config.queuePrefix,
      deliveryLimit: env.config.deliveryLimit,
      log: createLogger('silent'),
      parkShare: 1,
    });
    await worker.done;
    expect(await states(ids)).toEqual(['processed', 'processed', 'processed', 'processed']);
    const left = await env.pool.query('SELECT 1 FROM outbox WHERE published_at IS NULL');
    expect(left.rowCount).toBe(0);
    await publisher.stop();
    publisher = null;
  });

  it('stops waiting after WORKER_DRAIN_WAIT_S when nobody publishes the held drops (the API is down)', async () => {
    // A committed drop whose row no publisher will send.
    await env.pool.query(
      `INSERT INTO outbox (queue, message, message_id)
       VALUES ('postprocess', '{"batchId":"00000000-0000-4000-8000-000000000000"}', 'held')`,
    );
    const captured = captureLog();
    expect(await drain(1_000, undefined, captured.log)).toBeGreaterThanOrEqual(1_000);
    // It says work was left behind, not that the queues were empty.
    expect(captured.lines.map((l) => l.msg)).toContainEqual(
      expect.stringContaining('the outbox still holds drops after WORKER_DRAIN_WAIT_S'),
    );
    expect(captured.lines.map((l) => l.msg)).not.toContain(
      'queues are empty; worker exits (drain mode)',
    );
    // A pod that takes no postprocess job has nothing to wait for.
    expect(await drain(10_000, ['report'])).toBeLessThan(10_000);
  });
});
