import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startTcpProxy, targetOfUrl, type TcpProxy } from '../../../scripts/harness/tcp-proxy.ts';
import { queueName } from './queue-names.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

let env: TestEnvironment;
let central: RunningCentral;
let proxy: TcpProxy;
let token: string;

// The batch ids the publisher sent towards the broker before the cut (the cut one included).
const BATCH_ID = /"batchId":"([0-9a-f-]{36})"/g;
const sentBeforeCut = new Set<string>();
let armed = false;

beforeAll(async () => {
  env = await createTestEnvironment('broker-cut');
  proxy = await startTcpProxy({
    ...targetOfUrl(env.config.amqpUrl),
    onData: (direction, chunk) => {
      if (direction !== 'to-target' || proxy.cuts > 0) return;
      const ids = [...chunk.toString('latin1').matchAll(BATCH_ID)].map((m) => m[1] ?? '');
      for (const id of ids) sentBeforeCut.add(id);
      // Cut as a publish is on its way: it never reaches the broker, nor does a confirm return.
      if (armed && ids.length > 0) {
        proxy.cut();
      }
    },
  });
  const viaProxy = new URL(env.config.amqpUrl);
  viaProxy.port = String(proxy.port);
  central = await startCentral(
    { ...env.config, amqpUrl: viaProxy.toString() },
    { scheduler: false, uploadSweeper: false },
  );
  token = await createTestPark(env.pool);
});

afterAll(async () => {
  await central?.close();
  await proxy?.close();
  await env?.cleanup();
});

async function unpublished(): Promise<number> {
  const r = await env.pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL',
  );
  return Number(r.rows[0]?.n);
}

describe('outbox publisher when the broker connection is cut while publishing', () => {
  it('publishes every batch (at least once, repeats only of unconfirmed sends) and empties the outbox', async () => {
    const client = createParkClient(central.url, token);
    const upload = async (sequence: number) => {
      const drop = buildTestDrop({ sequence, cycles: 1 });
      const result = await uploadDrop(client, drop.zip, drop.fileName);
      if (result.status !== 'stored') throw new Error(`drop ${sequence}: ${result.status}`);
      return result.batchId;
    };

    const batches: string[] = [];
    for (let s = 1; s <= 3; s++) batches.push(await upload(s));
    await waitFor('the first drops to be published', async () => (await unpublished()) === 0, {
      timeoutMs: 45_000,
    });

    armed = true;
    for (let s = 4; s <= 10; s++) batches.push(await upload(s));
    await waitFor('the publisher to send a drop through the proxy', async () => proxy.cuts > 0, {
      timeoutMs: 45_000,
    });
    expect(proxy.cuts).toBe(1);
    proxy.restore();

    await waitFor(
      'the outbox to empty after the broker came back',
      async () => {
        const r = await env.pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM batches WHERE state <> 'queued'",
        );
        return (await unpublished()) === 0 && Number(r.rows[0]?.n) === 0;
      },
      { timeoutMs: 45_000 },
    );

    // Every publish was confirmed, so every message is in the queue: read it directly.
    const broker = await amqp.connect(env.config.amqpUrl);
    const seen = new Map<string, number>();
    try {
      const channel = await broker.createChannel();
      const queue = queueName(env.config.queuePrefix, 'postprocess');
      for (;;) {
        const msg = await channel.get(queue, { noAck: true });
        if (!msg) break;
        const body = JSON.parse(msg.content.toString()) as { batchId: string };
        expect(body.batchId).toBe(msg.properties.messageId);
        seen.set(body.batchId, (seen.get(body.batchId) ?? 0) + 1);
      }
      await channel.close();
    } finally {
      await broker.close();
    }

    // No loss: every batch was delivered.
    expect([...seen.keys()].sort()).toEqual([...batches].sort());
    // A repeat is only a send that was on the wire when the connection was cut.
    for (const [id, count] of seen) {
      if (count > 1) {
        expect(sentBeforeCut.has(id)).toBe(true);
        expect(count).toBe(2);
      }
    }
    // What a worker sees: one batch row per drop, whatever the number of messages.
    const rows = await env.pool.query<{ id: string }>('SELECT id FROM batches');
    expect(rows.rows.map((r) => r.id).sort()).toEqual([...batches].sort());
    expect(await unpublished()).toBe(0);
  });
});
