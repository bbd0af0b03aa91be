import { chmod, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
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
import { startWorker } from './worker.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

let env: TestEnvironment;
let central: RunningCentral;
const JOBS = 3;

beforeAll(async () => {
  env = await createTestEnvironment('worker-concurrency');
  central = await startCentral(env.config, { scheduler: false, uploadSweeper: false });
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

/**
 * A postprocessor that waits at a barrier until `parties` copies of it run at once, then runs
 * the real one. With fewer jobs at a time than parties it gives up (exit 1) after 45 s.
 */
async function barrierBinDir(parties: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zra-barrier-bin-'));
  const real = join(env.config.rustBinDir, 'postprocessor');
  const script = `#!/bin/sh
touch "${dir}/arrived.$$"
i=0
while [ "$(ls "${dir}" | grep -c '^arrived\\.')" -lt ${parties} ]; do
  i=$((i + 1))
  if [ $i -gt 450 ]; then echo '{"error":{"code":"barrier","message":"alone at the barrier"}}' >&2; exit 1; fi
  sleep 0.1
done
exec "${real}" "$@"
`;
  await writeFile(join(dir, 'postprocessor'), script);
  await chmod(join(dir, 'postprocessor'), 0o755);
  // The worker checks at start that it has both binaries of the queues it takes.
  await symlink(join(env.config.rustBinDir, 'reporter'), join(dir, 'reporter'));
  return dir;
}

describe('worker concurrency (long-running mode)', () => {
  it(`runs ${JOBS} jobs at once and acks each on its own`, async () => {
    const token = await createTestPark(env.pool);
    const client = createParkClient(central.url, token);
    const ids: string[] = [];
    for (let s = 1; s <= JOBS; s++) {
      const drop = buildTestDrop({ sequence: s, cycles: 1 });
      ids.push((await uploadDrop(client, drop.zip, drop.fileName)).batchId);
    }
    await waitFor(
      'every batch to be queued',
      async () => {
        const r = await env.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM batches WHERE state = 'queued'",
        );
        return r.rows[0]?.n === JOBS;
      },
      { timeoutMs: 30_000 },
    );
    const worker = await startWorker(
      { ...env.config, rustBinDir: await barrierBinDir(JOBS), workerConcurrency: JOBS },
      { log: createLogger('silent'), retryDelayMs: 10 },
    );
    try {
      await waitFor(
        'every batch to be processed',
        async () => {
          const r = await env.pool.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM batches WHERE state = 'processed'",
          );
          return r.rows[0]?.n === JOBS;
        },
        { timeoutMs: 90_000 },
      );
    } finally {
      await worker.stop();
    }
    const runs = await env.pool.query<{
      subject: string;
      attempt: number;
      outcome: string;
      started_at: Date;
      ended_at: Date;
    }>('SELECT subject, attempt, outcome, started_at, ended_at FROM job_runs ORDER BY id');
    expect(runs.rows.map((r) => [r.attempt, r.outcome])).toEqual(
      Array.from({ length: JOBS }, () => [1, 'succeeded']),
    );
    expect(runs.rows.map((r) => r.subject).sort()).toEqual([...ids].sort());
    // They overlapped: every job started before the first one ended.
    const lastStart = Math.max(...runs.rows.map((r) => r.started_at.getTime()));
    const firstEnd = Math.min(...runs.rows.map((r) => r.ended_at.getTime()));
    expect(lastStart).toBeLessThanOrEqual(firstEnd);
    // Every message was acked: after the worker's connection closed none came back.
    const conn = await amqp.connect(env.config.amqpUrl);
    try {
      const ch = await conn.createChannel();
      const q = await ch.checkQueue(`${env.config.queuePrefix}postprocess`);
      expect(q.messageCount).toBe(0);
    } finally {
      await conn.close();
    }
  });
});
