import type { ChildProcess } from 'node:child_process';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { deadLetterQueueName, queueName } from '../queue/queue-names.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { startCliProcess } from '../testing/cli-process.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { faultyBinDir, type FaultyBinDir } from './job-binaries.ts';

let env: TestEnvironment;
let central: RunningCentral;
let bins: FaultyBinDir;
let token: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  env = await createTestEnvironment('fault-sigkill');
  bins = await faultyBinDir({ realBinDir: env.config.rustBinDir, holdFirst: true });
  // No stuck-job sweeper: the redelivery itself must close the killed attempt.
  central = await startCentral(env.config, { scheduler: false, stuckJobSweeper: false });
  token = await createTestPark(env.pool);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await bins?.abandon();
  await bins?.release();
  await central?.close();
  await bins?.remove();
  await env?.cleanup();
});

/** `worker` as its own process (node itself, not the tsx relay, so signals reach it). */
function spawnWorker(): { child: ChildProcess; exited: Promise<number | null> } {
  const started = startCliProcess(env.config, ['worker'], {
    env: { RUST_BIN_DIR: bins.dir, LOG_LEVEL: 'warn' },
    stderr: 'ignore',
  });
  children.push(started.child);
  return started;
}

describe('the worker killed with SIGKILL mid-job', () => {
  it('the message is redelivered to another worker, the results exist once, and the killed attempt is closed as abandoned', async () => {
    const first = spawnWorker();
    const drop = buildTestDrop({ sequence: 1, cycles: 4 });
    const result = await uploadDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
    if (result.status !== 'stored') throw new Error(`upload ended ${result.status}`);

    await waitFor(
      'the first worker to start the job',
      async () => {
        if (first.child.exitCode !== null) throw new Error('the first worker exited early');
        return bins.started();
      },
      { timeoutMs: 60_000 },
    );
    const batchBefore = await env.pool.query<{ state: string }>(
      'SELECT state FROM batches WHERE id = $1',
      [result.batchId],
    );
    expect(batchBefore.rows[0]?.state).toBe('processing');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(-1);
    // The orphaned stand-in postprocessor ends without a result, as the worker is gone.
    await bins.abandon();
    await bins.release();

    const second = spawnWorker();
    await waitFor(
      'the second worker to process the redelivered message',
      async () => {
        if (second.child.exitCode !== null) throw new Error('the second worker exited early');
        const b = await env.pool.query<{ state: string }>(
          'SELECT state FROM batches WHERE id = $1',
          [result.batchId],
        );
        return b.rows[0]?.state === 'processed';
      },
      { timeoutMs: 60_000 },
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const cycles = await env.pool.query<{ cycle_id: string }>(
      'SELECT cycle_id FROM cycles WHERE batch_id = $1 ORDER BY ordinal',
      [result.batchId],
    );
    expect(cycles.rows.map((r) => r.cycle_id)).toEqual(['c0-1', 'c0-2', 'c0-3', 'c0-4']);
    const hourly = await env.pool.query<{ n: number }>(
      'SELECT sum(cycles)::int AS n FROM hourly_aggregates WHERE batch_id = $1',
      [result.batchId],
    );
    expect(hourly.rows[0]?.n).toBe(4);

    // The killed attempt did not stay "running": the redelivery that finished the job closed
    // it as abandoned (when: ended_at; why: error), and it was not counted as an attempt.
    const runs = await env.pool.query<{
      attempt: number;
      worker: string;
      outcome: string | null;
      error: string | null;
      ended: boolean;
    }>(
      `SELECT attempt, worker, outcome, error, ended_at IS NOT NULL AS ended
         FROM job_runs WHERE subject = $1 ORDER BY id`,
      [result.batchId],
    );
    expect(runs.rows).toHaveLength(2);
    const [killed, redelivered] = runs.rows;
    expect(killed).toMatchObject({ attempt: 1, outcome: 'abandoned', ended: true });
    expect(killed?.error).toMatch(/^abandoned: this run never recorded an end \(its worker/);
    expect(killed?.error).toContain(`on ${killed?.worker})`);
    expect(killed?.worker).toContain(`:${first.child.pid}`);
    expect(redelivered).toMatchObject({ attempt: 1, outcome: 'succeeded', ended: true });
    expect(redelivered?.worker).toContain(`:${second.child.pid}`);

    const conn = await amqp.connect(env.config.amqpUrl);
    try {
      const ch = await conn.createChannel();
      const main = queueName(env.config.queuePrefix, 'postprocess');
      expect((await ch.checkQueue(main)).messageCount).toBe(0);
      const dlq = deadLetterQueueName(env.config.queuePrefix, 'postprocess');
      expect((await ch.checkQueue(dlq)).messageCount).toBe(0);
    } finally {
      await conn.close();
    }
  });
});
