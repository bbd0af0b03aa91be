/**
 * What keeps a job pod inside its limits (docs/central.md, "Worker: attempts, outages and
 * failures"): a drain pod's maximum run time, and a delivery limit that the worker counts
 * itself, so it holds however the broker counts returned deliveries.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../blob/blob-store.ts';
import { startCentral, type RunningCentral } from '../central.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import { assertTopology } from '../queue/amqp-topology.ts';
import { queueName } from '../queue/queue-names.ts';
import { startCliProcess } from '../testing/cli-process.ts';
import {
  createParkClient,
  createTestEnvironment,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { handleDelivery } from './handle-delivery.ts';
import { STOPPED_CODE } from './job-runs.ts';
import { postprocessJob } from './postprocess-job.ts';
import { startWorker } from './worker.ts';

let env: TestEnvironment;
let central: RunningCentral;
let token: string;
let broker: ChannelModel;
let channel: Channel;
let binDir: string;

beforeAll(async () => {
  env = await createTestEnvironment('job-pod-limits');
  central = await startCentral(env.config);
  ({ token } = await createPark(env.pool, { id: 'limit-park', name: 'Limit', timezone: 'UTC' }));
  broker = await amqp.connect(env.config.amqpUrl);
  channel = await broker.createChannel();
  await assertTopology(channel, env.config.queuePrefix, env.config.deliveryLimit);
  // A postprocessor that takes its worker down with it, as a job that eats all the pod's
  // memory does: SIGKILL to its parent, the worker process.
  binDir = await mkdtemp(join(tmpdir(), 'zra-killer-bin-'));
  await writeFile(join(binDir, 'postprocessor'), '#!/bin/sh\nkill -9 $PPID\nsleep 5\n');
  await chmod(join(binDir, 'postprocessor'), 0o755);
});

afterAll(async () => {
  await broker?.close();
  await central?.close();
  await env?.cleanup();
  if (binDir) await rm(binDir, { recursive: true, force: true });
});

let sequence = 0;
/** Uploads a drop of its own UTC hour and waits until the outbox queued it. */
async function queuedBatch(): Promise<string> {
  sequence++;
  const start = new Date(Date.parse('2026-05-01T00:00:00Z') + sequence * 3_600_000).toISOString();
  const drop = buildTestDrop({ park: 'limit-park', start, sequence });
  const result = await uploadDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
  if (result.status !== 'stored') throw new Error(`upload ended ${result.status}`);
  await waitFor('queued', async () => (await state(result.batchId)).state === 'queued', {
    timeoutMs: 20_000,
  });
  return result.batchId;
}

async function state(batchId: string) {
  const r = await env.pool.query<{ state: string; error_code: string | null }>(
    'SELECT state, error_code FROM batches WHERE id = $1',
    [batchId],
  );
  return r.rows[0] ?? { state: 'missing', error_code: null };
}

async function runs(batchId: string) {
  const r = await env.pool.query<{ outcome: string | null; error_code: string | null }>(
    'SELECT outcome, error_code FROM job_runs WHERE subject = $1 ORDER BY id',
    [batchId],
  );
  return r.rows;
}

async function readyIn(queue: 'postprocess' | 'postprocess.dlq'): Promise<number> {
  const name =
    queue === 'postprocess'
      ? queueName(env.config.queuePrefix, 'postprocess')
      : `${queueName(env.config.queuePrefix, 'postprocess')}.dlq`;
  return (await channel.checkQueue(name)).messageCount;
}

describe('a drain pod', () => {
  it('takes no new job after its maximum run time and exits, leaving the rest queued for a fresh pod', async () => {
    const batches = [await queuedBatch(), await queuedBatch(), await queuedBatch()];
    const worker = await startWorker(env.config, {
      drain: true,
      log: createLogger('silent'),
      queues: ['postprocess'],
      // Any job takes longer than this: the pod stops after its first one.
      maxRunMs: 1,
    });
    await worker.done;
    const states = await Promise.all(batches.map(async (b) => (await state(b)).state));
    expect(states.filter((s) => s === 'processed')).toHaveLength(1);
    expect(states.filter((s) => s === 'queued')).toHaveLength(2);
    expect(await readyIn('postprocess')).toBe(2);
    // Without the limit the next pod drains the rest.
    await (
      await startWorker(env.config, {
        drain: true,
        log: createLogger('silent'),
        queues: ['postprocess'],
      })
    ).done;
    expect(await Promise.all(batches.map(async (b) => (await state(b)).state))).toEqual([
      'processed',
      'processed',
      'processed',
    ]);
  });
});

describe('the delivery limit, counted by the worker', () => {
  it('gives up a job whose last DELIVERY_LIMIT runs were lost with their worker, even on a delivery the broker counts as the first (RabbitMQ 4.3 does not count returns)', async () => {
    const batchId = await queuedBatch();
    // What dead workers leave behind: runs that started, never ended, and whose heartbeat
    // stopped an hour ago.
    for (let i = 0; i < env.config.deliveryLimit; i++) {
      await env.pool.query(
        `INSERT INTO job_runs (type, subject, attempt, worker, started_at, heartbeat_at)
         VALUES ('postprocess', $1, 1, $2, now() - interval '1 hour', now() - interval '1 hour')`,
        [batchId, `dead-pod-${i}:1`],
      );
    }
    const msg = await channel.get(queueName(env.config.queuePrefix, 'postprocess'), {
      noAck: false,
    });
    if (!msg) throw new Error('the queued batch has no message');
    expect(msg.properties.headers?.['x-delivery-count'] ?? 0).toBe(0);
    const blobs = new BlobStore(env.config.blobDir);
    const verdict = await handleDelivery(
      postprocessJob,
      { pool: env.pool, config: env.config, blobs, log: createLogger('silent') },
      msg,
      { deliveryLimit: env.config.deliveryLimit, retryDelayMs: 10 },
    );
    channel.reject(msg, false);
    expect(verdict).toBe('reject');
    expect(await state(batchId)).toEqual({ state: 'failed', error_code: 'worker_died' });
    const all = await runs(batchId);
    expect(all).toHaveLength(env.config.deliveryLimit);
    expect(all.at(-1)).toEqual({ outcome: 'failed', error_code: 'worker_died' });
    expect(all.slice(0, -1).every((r) => r.outcome === 'abandoned')).toBe(true);
  });

  it('runs a job whose earlier runs are open on workers that are alive (a lost broker link): their heartbeats are fresh', async () => {
    const batchId = await queuedBatch();
    for (let i = 0; i < env.config.deliveryLimit; i++) {
      await env.pool.query(
        "INSERT INTO job_runs (type, subject, attempt, worker) VALUES ('postprocess', $1, 1, $2)",
        [batchId, `linkless-pod-${i}:1`],
      );
    }
    await (
      await startWorker(env.config, {
        drain: true,
        log: createLogger('silent'),
        queues: ['postprocess'],
      })
    ).done;
    expect(await state(batchId)).toEqual({ state: 'processed', error_code: null });
  });

  it('runs a job whose earlier runs were stopped on purpose (SIGTERM): stops are not deaths', async () => {
    const batchId = await queuedBatch();
    for (let i = 0; i < env.config.deliveryLimit; i++) {
      await env.pool.query(
        `INSERT INTO job_runs (type, subject, attempt, worker, ended_at, outcome, error_code, error)
         VALUES ('postprocess', $1, 1, $2, now(), 'abandoned', $3, 'stopped')`,
        [batchId, `drained-pod-${i}:1`, STOPPED_CODE],
      );
    }
    await (
      await startWorker(env.config, {
        drain: true,
        log: createLogger('silent'),
        queues: ['postprocess'],
      })
    ).done;
    expect(await state(batchId)).toEqual({ state: 'processed', error_code: null });
  });

  it('a job that SIGKILLs its worker every time ends failed (worker_died) after DELIVERY_LIMIT deaths, and the next pod exits 0', async () => {
    const batchId = await queuedBatch();
    const exits: (number | null)[] = [];
    // One pod after another, as KEDA starts them while the message is back in the queue.
    // Heartbeats every second: a dead pod's run is known lost after three silent seconds.
    for (let pod = 0; pod <= env.config.deliveryLimit; pod++) {
      await waitFor(
        "the dead pods' runs to miss three heartbeats",
        async () =>
          (
            await env.pool.query(
              `SELECT 1 FROM job_runs WHERE subject = $1 AND ended_at IS NULL
                  AND heartbeat_at > now() - interval '3 seconds'`,
              [batchId],
            )
          ).rowCount === 0,
        { timeoutMs: 10_000 },
      );
      const { exited } = startCliProcess(
        env.config,
        ['worker', '--drain', '--queue', 'postprocess'],
        {
          env: { RUST_BIN_DIR: binDir, RUN_HEARTBEAT_S: '1' },
          stderr: 'ignore',
        },
      );
      exits.push(await exited);
      if ((await state(batchId)).state === 'failed') break;
    }
    // Killed (-1) DELIVERY_LIMIT times, then a pod that gave the job up and exited 0.
    expect(exits).toEqual([...Array(env.config.deliveryLimit).fill(-1), 0]);
    expect(await state(batchId)).toEqual({ state: 'failed', error_code: 'worker_died' });
    expect(await readyIn('postprocess')).toBe(0);
    expect(await readyIn('postprocess.dlq')).toBe(0);
  });
});
