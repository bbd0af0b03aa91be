import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { startOutboxPublisher, type OutboxPublisher } from './outbox-publisher.ts';
import { queueName } from './queue-names.ts';

/**
 * The postprocess queue is one FIFO for every park: without a share, a park sending a week's
 * backlog would put its thousands of drops ahead of every other park's live ones. Here the
 * only publisher is the one under test (no central running), with a share of two.
 */
let env: TestEnvironment;
let broker: ChannelModel;
let channel: Channel;
let publisher: OutboxPublisher | null = null;
let hour = 0;

beforeAll(async () => {
  env = await createTestEnvironment('fair_share');
  for (const park of ['busy', 'live', 'stale']) {
    await createPark(env.pool, { id: park, name: park, timezone: 'Europe/Rome' });
    await env.pool.query(
      `INSERT INTO rides (park_id, id, model, name) VALUES ($1, 'rev-1', 'discovery-revolution', 'Rev')`,
      [park],
    );
  }
  broker = await amqp.connect(env.config.amqpUrl);
  channel = await broker.createChannel();
});

afterEach(async () => {
  await publisher?.stop();
  publisher = null;
});

afterAll(async () => {
  await broker?.close();
  await env?.cleanup();
});

/** A stored batch of `park` (its own ride-window) with its postprocess row in the outbox. */
async function storedBatch(park: string): Promise<string> {
  const id = randomUUID();
  const start = new Date(Date.UTC(2026, 5, 1) + hour++ * 3_600_000);
  const end = new Date(start.getTime() + 3_600_000);
  const digest = id.replace(/-/g, '').padEnd(64, '0');
  await env.pool.query(
    `INSERT INTO batches (id, park_id, ride_id, sequence, window_start, window_end, sha256,
                          content_id, bytes, file_name, blob_path, state)
     VALUES ($1, $2, 'rev-1', 1, $3, $4, $5, $5, 1, 'x.zip', '/x', 'stored')`,
    [id, park, start, end, digest],
  );
  await env.pool.query(
    "INSERT INTO outbox (queue, message, message_id) VALUES ('postprocess', $1, $2)",
    [JSON.stringify({ batchId: id }), id],
  );
  return id;
}

function publish(inFlightMs = 15 * 60_000): OutboxPublisher {
  return startOutboxPublisher({
    pool: env.pool,
    amqpUrl: env.config.amqpUrl,
    queuePrefix: env.config.queuePrefix,
    deliveryLimit: env.config.deliveryLimit,
    log: createLogger('silent'),
    pollMs: 50,
    parkShare: 2,
    inFlightMs,
  });
}

/** Every message now in the postprocess queue, in order (taken off it). */
async function drainQueue(): Promise<string[]> {
  const queue = queueName(env.config.queuePrefix, 'postprocess');
  const ids: string[] = [];
  for (;;) {
    const msg = await channel.get(queue, { noAck: true });
    if (!msg) return ids;
    ids.push(String(msg.properties.messageId));
  }
}

async function states(ids: string[]): Promise<string[]> {
  const r = await env.pool.query<{ id: string; state: string }>(
    'SELECT id, state FROM batches WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return ids.map((id) => r.rows.find((row) => row.id === id)?.state ?? 'missing');
}

describe("the outbox publisher's fair share per park", () => {
  it("sends a live park's drop ahead of a backlog park's, and the backlog as its earlier drops finish", async () => {
    const backlog: string[] = [];
    for (let i = 0; i < 6; i++) backlog.push(await storedBatch('busy'));
    const live = await storedBatch('live');

    publisher = publish();
    await waitFor('the live drop queued', async () => (await states([live]))[0] === 'queued');

    expect(await drainQueue()).toEqual([backlog[0], backlog[1], live]);
    expect(await states(backlog)).toEqual([
      'queued',
      'queued',
      'stored',
      'stored',
      'stored',
      'stored',
    ]);

    // One finishes: exactly one more of the park's drops goes, the oldest waiting.
    await env.pool.query("UPDATE batches SET state = 'processed' WHERE id = $1", [backlog[0]]);
    publisher.kick();
    await waitFor('the next backlog drop', async () => (await states(backlog))[2] === 'queued');
    expect(await drainQueue()).toEqual([backlog[2]]);
    expect((await states(backlog)).slice(3)).toEqual(['stored', 'stored', 'stored']);
  });

  it('finds every park waiting, holds each beyond its share, and never holds reports or rows without a batch', async () => {
    const parks = Array.from({ length: 12 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
    for (const park of parks) {
      await createPark(env.pool, { id: park, name: park, timezone: 'Europe/Rome' });
      await env.pool.query(
        `INSERT INTO rides (park_id, id, model, name) VALUES ($1, 'rev-1', 'discovery-revolution', 'Rev')`,
        [park],
      );
    }
    // Three rounds, one drop of every park each, so the parks' rows interleave in the outbox.
    const round = async () => {
      const ids: string[] = [];
      for (const park of [...parks].reverse()) ids.push(await storedBatch(park));
      return ids;
    };
    const [first, second, third] = [await round(), await round(), await round()];
    const report = randomUUID();
    // Two whose batch does not exist, one whose id is not a batch id at all.
    const gone = [randomUUID(), randomUUID(), 'not-a-batch-id'];
    await env.pool.query(
      `INSERT INTO outbox (queue, message, message_id)
       SELECT 'postprocess', jsonb_build_object('batchId', id), id FROM unnest($1::text[]) id
       UNION ALL SELECT 'report', jsonb_build_object('reportId', $2::text), $2`,
      [gone, report],
    );

    publisher = publish();
    await waitFor('the rows without a batch sent', async () => {
      const r = await env.pool.query(
        'SELECT 1 FROM outbox WHERE message_id = ANY($1) AND published_at IS NOT NULL',
        [gone],
      );
      return r.rowCount === gone.length;
    });

    // The first two of every park (share two), in the order they were written, and the rows
    // without a park; each park's third waits for an earlier one to finish.
    expect(await drainQueue()).toEqual([...first, ...second, ...gone]);
    expect(await states(third)).toEqual(third.map(() => 'stored'));
    const sent = await env.pool.query<{ queue: string }>(
      'SELECT queue FROM outbox WHERE message_id = $1 AND published_at IS NOT NULL',
      [report],
    );
    expect(sent.rows).toEqual([{ queue: 'report' }]);
  });

  it('does not let a batch queued for longer than the stuck-job limit hold its park back', async () => {
    const lost = [await storedBatch('stale'), await storedBatch('stale')];
    // Published an hour ago and never finished: messages that were lost.
    await env.pool.query(
      `UPDATE batches SET state = 'queued', updated_at = now() - interval '1 hour'
        WHERE id = ANY($1::uuid[])`,
      [lost],
    );
    await env.pool.query('UPDATE outbox SET published_at = now() WHERE message_id = ANY($1)', [
      lost,
    ]);
    const waiting = [await storedBatch('stale'), await storedBatch('stale')];

    publisher = publish(60_000);

    await waitFor('both waiting drops queued', async () =>
      (await states(waiting)).every((s) => s === 'queued'),
    );
    expect(await drainQueue()).toEqual(expect.arrayContaining(waiting));
  });
});
