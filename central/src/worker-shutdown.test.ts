import type { ChildProcess } from 'node:child_process';
import { access, chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPark } from './parks/park-store.ts';
import { assertTopology } from './queue/amqp-topology.ts';
import { deadLetterQueueName, queueName } from './queue/queue-names.ts';
import { requestReport } from './reports/report-store.ts';
import { startCliProcess } from './testing/cli-process.ts';
import { watchLogs } from './testing/process-logs.ts';
import { createTestEnvironment, type TestEnvironment } from './testing/test-central.ts';

let env: TestEnvironment;
let binDir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  env = await createTestEnvironment('worker-shutdown');
  binDir = await mkdtemp(join(tmpdir(), 'zra-slow-bin-'));
  // A reporter that runs far longer than a pod's grace period (until the test lets it go)
  // and notes the SIGTERM it gets.
  const script = `#!/bin/sh
trap 'touch "${binDir}/terminated"; exit 143' TERM
touch "${binDir}/started"
while [ ! -f "${binDir}/go" ]; do sleep 0.05; done
exit 0
`;
  await writeFile(join(binDir, 'reporter'), script);
  await chmod(join(binDir, 'reporter'), 0o755);
  // The worker checks at start that it has both binaries of the queues it takes.
  await symlink(join(env.config.rustBinDir, 'postprocessor'), join(binDir, 'postprocessor'));
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  const conn = await amqp.connect(env.config.amqpUrl);
  const ch = await conn.createChannel();
  for (const q of ['postprocess', 'report'] as const) {
    await ch.deleteQueue(queueName(env.config.queuePrefix, q));
    await ch.deleteQueue(deadLetterQueueName(env.config.queuePrefix, q));
  }
  await conn.close();
  await rm(binDir, { recursive: true, force: true });
  await env?.cleanup();
});

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('worker shutdown', () => {
  it('passes SIGTERM on to the job binary, records the run as stopped (not an attempt), returns its message to the queue, and exits 0', async () => {
    await createPark(env.pool, { id: 'stop-park', name: 'Stop Park', timezone: 'Europe/Rome' });
    const reportId = await requestReport(env.pool, {
      park: 'stop-park',
      from: '2026-06-01T00:00:00Z',
      to: '2026-06-02T00:00:00Z',
    });
    const conn = await amqp.connect(env.config.amqpUrl);
    try {
      const ch = await conn.createConfirmChannel();
      await assertTopology(ch, env.config.queuePrefix, env.config.deliveryLimit);
      const reportQueue = queueName(env.config.queuePrefix, 'report');
      ch.sendToQueue(reportQueue, Buffer.from(JSON.stringify({ reportId })), {
        persistent: true,
        messageId: reportId,
      });
      await ch.waitForConfirms();

      // Node itself, not the tsx wrapper: the signal must reach the process that handles it,
      // not a relay whose timing depends on the machine's load.
      const started = startCliProcess(env.config, ['worker'], {
        env: { RUST_BIN_DIR: binDir, LOG_LEVEL: 'info' },
      });
      child = started.child;
      const exited = started.exited;
      const logs = watchLogs(child);
      while (!(await exists(join(binDir, 'started')))) {
        if (child.exitCode !== null) throw new Error(`worker exited early (${child.exitCode})`);
        await new Promise((r) => setTimeout(r, 100));
      }

      child.kill('SIGTERM');
      await logs.waitFor(
        (l) => l.msg === 'job stopped with its worker; the message goes back to the queue',
      );
      // The job binary was told to stop: the test never let it finish.
      expect(await exists(join(binDir, 'terminated'))).toBe(true);

      expect(await exited).toBe(0);
      const runs = await env.pool.query<{
        outcome: string | null;
        error_code: string | null;
        ended: boolean;
      }>(
        'SELECT outcome, error_code, ended_at IS NOT NULL AS ended FROM job_runs WHERE subject = $1',
        [reportId],
      );
      expect(runs.rows).toEqual([{ outcome: 'abandoned', error_code: 'stopped', ended: true }]);
      const check = await ch.checkQueue(reportQueue);
      expect(check.messageCount).toBe(1);
    } finally {
      await conn.close();
    }
  });
});
