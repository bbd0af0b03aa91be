import { createHash } from 'node:crypto';
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
import { startTcpProxy, targetOfUrl, type TcpProxy } from '../../../scripts/harness/tcp-proxy.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { faultyBinDir, type FaultyBinDir } from './job-binaries.ts';
import { tearDownFaultTest } from './fault-teardown.ts';

let env: TestEnvironment;
let central: RunningCentral;
let proxy: TcpProxy;
let bins: FaultyBinDir;
let worker: RunningWorker | undefined;
let token: string;
// What the broker sent the worker, to see the poison message come out of the dead-letter queue.
let toWorker = '';

const poison = buildTestDrop({ sequence: 1, cycles: 2 });
const poisonSha = createHash('sha256').update(poison.zip).digest('hex');

beforeAll(async () => {
  env = await createTestEnvironment('fault-poison');
  bins = await faultyBinDir({ realBinDir: env.config.rustBinDir, crashOn: poisonSha });
  proxy = await startTcpProxy({
    ...targetOfUrl(env.config.amqpUrl),
    onData: (direction, chunk) => {
      if (direction === 'to-client') toWorker += chunk.toString('latin1');
    },
  });
  central = await startCentral(env.config, { scheduler: false, stuckJobSweeper: false });
  token = await createTestPark(env.pool);
});

afterAll(() => tearDownFaultTest({ env, central, worker, proxy, bins }));

async function states(ids: string[]): Promise<Map<string, { state: string; error: string }>> {
  const r = await env.pool.query<{ id: string; state: string; error: string }>(
    'SELECT id, state, error FROM batches WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(r.rows.map((row) => [row.id, row]));
}

describe('a poison message whose drop crashes the postprocessor', () => {
  it('is retried to the delivery limit, dead-lettered, and fails its batch with the error while the other drops are processed', async () => {
    const viaProxy = new URL(env.config.amqpUrl);
    viaProxy.port = String(proxy.port);
    worker = await startWorker(
      { ...env.config, amqpUrl: viaProxy.toString(), rustBinDir: bins.dir },
      { log: createLogger('silent'), retryDelayMs: 50, concurrency: 1 },
    );
    const client = createParkClient(central.url, token);
    // The poison drop goes first, so the good ones queue up behind its retries.
    const poisoned = await uploadDrop(client, poison.zip, poison.fileName);
    if (poisoned.status !== 'stored') throw new Error(`poison drop: ${poisoned.status}`);
    const good: string[] = [];
    for (let s = 2; s <= 5; s++) {
      const drop = buildTestDrop({ sequence: s, cycles: 3 });
      const r = await uploadDrop(client, drop.zip, drop.fileName);
      if (r.status !== 'stored') throw new Error(`drop ${s}: ${r.status}`);
      good.push(r.batchId);
    }

    const all = [poisoned.batchId, ...good];
    await waitFor(
      'every batch to end processed or failed',
      async () =>
        [...(await states(all)).values()].every((b) => ['processed', 'failed'].includes(b.state)),
      { timeoutMs: 90_000 },
    );
    const final = await states(all);
    expect(final.get(poisoned.batchId)?.state).toBe('failed');
    expect(final.get(poisoned.batchId)?.error).toContain('SIGSEGV');
    for (const id of good) expect(final.get(id)?.state).toBe('processed');

    const runs = await env.pool.query<{ attempt: number; outcome: string }>(
      'SELECT attempt, outcome FROM job_runs WHERE subject = $1 ORDER BY id',
      [poisoned.batchId],
    );
    expect(runs.rows.map((r) => [r.attempt, r.outcome])).toEqual([
      [1, 'retrying'],
      [2, 'retrying'],
      [3, 'failed'],
    ]);
    const poisonRuns = (await bins.runs()).filter((line) => line.includes(poisonSha));
    expect(poisonRuns).toHaveLength(env.config.deliveryLimit);
    const cycles = await env.pool.query<{ batch_id: string; n: number }>(
      'SELECT batch_id, count(*)::int AS n FROM cycles GROUP BY batch_id',
    );
    expect(new Map(cycles.rows.map((r) => [r.batch_id, r.n]))).toEqual(
      new Map(good.map((id) => [id, 3])),
    );

    // The broker moved it to the dead-letter queue (x-death header), and the worker read it
    // from there: the message left the main queue for good.
    const dlq = deadLetterQueueName(env.config.queuePrefix, 'postprocess');
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await waitFor(
      'the poison message to be delivered from the dead-letter queue',
      async () =>
        new RegExp(`${escape(dlq)}[\\s\\S]*x-death[\\s\\S]*${poisoned.batchId}`).test(toWorker),
      { timeoutMs: 30_000 },
    );
    await worker.stop();
    worker = undefined;
    const conn = await amqp.connect(env.config.amqpUrl);
    try {
      const ch = await conn.createChannel();
      const main = queueName(env.config.queuePrefix, 'postprocess');
      expect((await ch.checkQueue(main)).messageCount).toBe(0);
      expect((await ch.checkQueue(dlq)).messageCount).toBe(0);
    } finally {
      await conn.close();
    }
    // Dead-lettering did not undo the failure (onDeadLettered only touches unfinished batches).
    expect((await states([poisoned.batchId])).get(poisoned.batchId)?.state).toBe('failed');
  });
});
