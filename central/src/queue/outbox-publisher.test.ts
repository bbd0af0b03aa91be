import amqp, { type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createLogger } from '../logger.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startOutboxPublisher } from './outbox-publisher.ts';
import { queueName } from './queue-names.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

let env: TestEnvironment;
let central: RunningCentral;
let token: string;
let broker: ChannelModel;
let channel: Channel;

beforeAll(async () => {
  env = await createTestEnvironment('outbox');
  central = await startCentral(env.config);
  token = await createTestPark(env.pool);
  broker = await amqp.connect(env.config.amqpUrl);
  channel = await broker.createChannel();
});

afterAll(async () => {
  await central?.close();
  await broker?.close();
  await env?.cleanup();
});

async function batchState(id: string): Promise<string | undefined> {
  const r = await env.pool.query<{ state: string }>('SELECT state FROM batches WHERE id = $1', [
    id,
  ]);
  return r.rows[0]?.state;
}

describe('outbox publisher', () => {
  it('publishes a committed batch to the postprocess queue and marks the batch queued', async () => {
    const drop = buildTestDrop({ sequence: 1 });
    const result = await uploadDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
    expect(result.status).toBe('stored');

    const queue = queueName(env.config.queuePrefix, 'postprocess');
    const msg = await waitFor<GetMessage>('the message', () => channel.get(queue, { noAck: true }));
    expect(JSON.parse(msg.content.toString())).toEqual({ batchId: result.batchId });
    expect(msg.properties.messageId).toBe(result.batchId);
    expect(msg.properties.deliveryMode).toBe(2);

    await waitFor('state queued', async () => (await batchState(result.batchId)) === 'queued', {
      timeoutMs: 15_000,
    });
    const outbox = await env.pool.query('SELECT published_at FROM outbox WHERE message_id = $1', [
      result.batchId,
    ]);
    expect(outbox.rows[0].published_at).toBeInstanceOf(Date);
  });

  it('never puts a message on the queue while its batch still reads stored', async () => {
    // A worker can take a message the moment the broker confirms it. Were the batch marked
    // queued only after that, a fast job could move it on first and its queued_at would stay
    // empty. Here the batch row is held locked while the row waits to be published.
    const drop = buildTestDrop({ sequence: 2, start: '2026-06-02T00:00:00Z' });
    const stored = await uploadDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
    if (stored.status !== 'stored') throw new Error(`upload ended ${stored.status}`);
    const queue = queueName(env.config.queuePrefix, 'postprocess');
    await waitFor<GetMessage>('the first message', () => channel.get(queue, { noAck: true }));
    // The same batch once more, as a second publish of its row would send it.
    await env.pool.query("UPDATE batches SET state = 'stored', queued_at = NULL WHERE id = $1", [
      stored.batchId,
    ]);
    const holder = await env.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM batches WHERE id = $1 FOR UPDATE', [stored.batchId]);
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
        .rows[0]?.pid;
      await env.pool.query(
        "INSERT INTO outbox (queue, message, message_id) VALUES ('postprocess', $1, $2)",
        [JSON.stringify({ batchId: stored.batchId }), stored.batchId],
      );
      await waitFor(
        'the publisher claimed the row and waits for the batch',
        async () =>
          (
            await env.pool.query(
              'SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))',
              [holderPid],
            )
          ).rowCount === 1,
        { timeoutMs: 15_000 },
      );
      expect((await channel.checkQueue(queue)).messageCount).toBe(0);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    const msg = await waitFor<GetMessage>('the message', () => channel.get(queue, { noAck: true }));
    expect(msg.properties.messageId).toBe(stored.batchId);
    // Read as a worker that took the message would: the message is confirmed before the
    // publisher commits, so a plain read may still see the old row; a worker's update waits
    // for the publisher's lock, and so does this read.
    const row = await env.pool.query<{ state: string; queued_at: Date | null }>(
      'SELECT state, queued_at FROM batches WHERE id = $1 FOR UPDATE',
      [stored.batchId],
    );
    expect(row.rows[0]?.state).toBe('queued');
    expect(row.rows[0]?.queued_at).toBeInstanceOf(Date);
  });

  it('keeps rows unpublished while the broker is unreachable and publishes them once it is back', async () => {
    // A second API instance whose broker URL points nowhere: it must not mark anything.
    const silent = createLogger('silent');
    const down = startOutboxPublisher({
      pool: env.pool,
      amqpUrl: 'amqp://guest:guest@127.0.0.1:1',
      queuePrefix: env.config.queuePrefix,
      deliveryLimit: env.config.deliveryLimit,
      log: silent,
      pollMs: 50,
    });
    await central.close();
    const c = await env.pool.connect();
    const id = crypto.randomUUID();
    await c.query(
      "INSERT INTO outbox (queue, message, message_id) VALUES ('postprocess', $1, $2)",
      [JSON.stringify({ batchId: id }), id],
    );
    c.release();
    await new Promise((r) => setTimeout(r, 1000));
    const pending = await env.pool.query('SELECT published_at FROM outbox WHERE message_id = $1', [
      id,
    ]);
    expect(pending.rows[0].published_at).toBeNull();
    await down.stop();

    central = await startCentral(env.config);
    const queue = queueName(env.config.queuePrefix, 'postprocess');
    const msg = await waitFor<GetMessage>('the message', () => channel.get(queue, { noAck: true }));
    expect(msg.properties.messageId).toBe(id);
  });
});
