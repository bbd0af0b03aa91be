import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { sleep } from '../queue/sleep.ts';
import { deadLetterQueueName, queueName } from '../queue/queue-names.ts';
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
  env = await createTestEnvironment('fault-pg-cut-job');
  bins = await faultyBinDir({ realBinDir: env.config.rustBinDir, holdFirst: true });
  proxy = await startTcpProxy(env.config.databaseUrl);
  // The API and its publisher use the database directly; only the worker's link is cut.
  central = await startCentral(env.config, { scheduler: false, stuckJobSweeper: false });
  token = await createTestPark(env.pool);
});

afterAll(() => tearDownFaultTest({ env, central, worker, proxy, bins }));

const CUT_MS = 5000;

describe("the worker's database link cut for 5 seconds", () => {
  it('costs no attempt: a drop mid-job and a drop whose job starts during the cut both end processed, one attempt each, nothing dead-lettered', async () => {
    const capture = captureLog('info');
    worker = await startWorker(
      {
        ...env.config,
        databaseUrl: throughProxy(env.config.databaseUrl, proxy.port),
        rustBinDir: bins.dir,
      },
      { log: capture.log, retryDelayMs: 50, concurrency: 2 },
    );
    const client = createParkClient(central.url, token);
    const first = buildTestDrop({ sequence: 1, cycles: 3, start: '2026-06-01T08:00:00Z' });
    const a = await uploadDrop(client, first.zip, first.fileName);
    if (a.status !== 'stored') throw new Error(`upload ended ${a.status}`);
    // Its job runs (the postprocessor is held), its job run and `processing` are recorded.
    await waitFor('the first job to start', () => bins.started(), { timeoutMs: 30_000 });

    proxy.cut();
    const cutAt = Date.now();
    // Committed through the API's own link; its job starts while the worker's link is down.
    const second = buildTestDrop({ sequence: 2, cycles: 2, start: '2026-06-01T09:00:00Z' });
    const b = await uploadDrop(client, second.zip, second.fileName);
    if (b.status !== 'stored') throw new Error(`upload ended ${b.status}`);
    // The held job finishes now: writing its results meets the cut.
    await bins.release();
    await capture.waitFor(
      'the worker to say it waits for PostgreSQL',
      (l) => l.level === 50 && l.dependency === 'postgres' && l.subject === a.batchId,
    );
    await sleep(Math.max(0, cutAt + CUT_MS - Date.now()));
    proxy.restore();

    await waitFor(
      'both batches to be processed',
      async () => {
        const r = await env.pool.query<{ state: string }>(
          'SELECT state FROM batches WHERE id = ANY($1::uuid[])',
          [[a.batchId, b.batchId]],
        );
        return r.rows.length === 2 && r.rows.every((row) => row.state === 'processed');
      },
      { timeoutMs: 60_000 },
    );
    await worker.stop();
    worker = undefined;

    for (const id of [a.batchId, b.batchId]) {
      const batch = await env.pool.query<{ error: string | null }>(
        'SELECT error FROM batches WHERE id = $1',
        [id],
      );
      expect(batch.rows[0]?.error).toBeNull();
      const runs = await env.pool.query<{ attempt: number; outcome: string | null }>(
        'SELECT attempt, outcome FROM job_runs WHERE subject = $1 ORDER BY id',
        [id],
      );
      // One run, attempt 1: the outage was waited out inside it, not retried as a failure.
      expect(runs.rows).toEqual([{ attempt: 1, outcome: 'succeeded' }]);
    }
    const cycles = await env.pool.query<{ batch_id: string; n: number }>(
      'SELECT batch_id, count(*)::int AS n FROM cycles GROUP BY batch_id',
    );
    expect(new Map(cycles.rows.map((r) => [r.batch_id, r.n]))).toEqual(
      new Map([
        [a.batchId, 3],
        [b.batchId, 2],
      ]),
    );
    // No job failure was logged: only the wait, and the recovery.
    expect(capture.lines.filter((l) => l.msg === 'job failed')).toEqual([]);
    expect(
      capture.lines.some((l) => l.subject === a.batchId && String(l.msg).includes('resumed')),
    ).toBe(true);

    const conn = await amqp.connect(env.config.amqpUrl);
    try {
      const ch = await conn.createChannel();
      expect(
        (await ch.checkQueue(queueName(env.config.queuePrefix, 'postprocess'))).messageCount,
      ).toBe(0);
      expect(
        (await ch.checkQueue(deadLetterQueueName(env.config.queuePrefix, 'postprocess')))
          .messageCount,
      ).toBe(0);
    } finally {
      await conn.close();
    }
  });
});
