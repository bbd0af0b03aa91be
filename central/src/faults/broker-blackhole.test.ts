import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { captureLog, type CapturedLog } from '../testing/log-capture.ts';
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
import { metricValue } from './metric-value.ts';
import { tearDownFaultTest } from './fault-teardown.ts';

let env: TestEnvironment;
let central: RunningCentral;
let proxy: TcpProxy;
let worker: RunningWorker | undefined;
let token: string;
let apiLog: CapturedLog;

beforeAll(async () => {
  env = await createTestEnvironment('fault-mq-blackhole');
  // Heartbeats every second and 2 s for a connection or a confirm (production: 10 s / 15 s).
  env.config.timeouts = { ...env.config.timeouts, amqpHeartbeatS: 1, amqpTimeoutMs: 2000 };
  proxy = await startTcpProxy(env.config.amqpUrl);
  // The API (publisher, probe) and the worker reach RabbitMQ only through the proxy.
  env.config.amqpUrl = throughProxy(env.config.amqpUrl, proxy.port);
  apiLog = captureLog('info');
  central = await startCentral(env.config, {
    scheduler: false,
    stuckJobSweeper: false,
    log: apiLog.log,
  });
  token = await createTestPark(env.pool);
});

afterAll(() => tearDownFaultTest({ env, central, worker, proxy }));

async function metrics(): Promise<string> {
  const res = await fetch(`${central.metricsUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

async function states(ids: string[]): Promise<string[]> {
  const r = await env.pool.query<{ state: string }>(
    'SELECT state FROM batches WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return r.rows.map((row) => row.state);
}

async function upload(n: number): Promise<string> {
  const drop = buildTestDrop({ sequence: n, cycles: 2, start: `2026-06-01T0${n}:00:00Z` });
  const r = await uploadDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
  if (r.status !== 'stored') throw new Error(`upload ended ${r.status}`);
  return r.batchId;
}

describe('a RabbitMQ link that silently stops answering (blackhole)', () => {
  it('is reported (error logs, a timeout metric) by the publisher and the worker, and every drop is processed once the link is back', async () => {
    const workerLog = captureLog('info');
    worker = await startWorker(env.config, {
      log: workerLog.log,
      retryDelayMs: 50,
      concurrency: 1,
    });
    const first = await upload(1);
    await waitFor('the first drop to be processed', async () => {
      return (await states([first]))[0] === 'processed';
    });

    proxy.blackhole();
    // Committed (PostgreSQL is fine); their messages must wait in the outbox.
    const held = [await upload(2), await upload(3)];
    await apiLog.waitFor(
      'the publisher to report the silent broker',
      (l) => l.level === 50 && l.dependency === 'rabbitmq' && l.component === 'outbox',
    );
    await workerLog.waitFor(
      'the worker to report the silent broker',
      (l) =>
        l.level === 50 &&
        l.dependency === 'rabbitmq' &&
        l.reason === 'RabbitMQ missed two heartbeats (the link is silent)',
    );
    // The publisher's reconnects time out (the handshake is never answered): counted.
    const during = await waitFor('the API to count a broker timeout', async () => {
      const text = await metrics();
      const n = metricValue(text, 'zra_dependency_timeouts_total', { dependency: 'rabbitmq' });
      return n !== null && n >= 1 ? text : null;
    });
    expect(metricValue(during, 'zra_broker_up')).toBe(0);
    // PostgreSQL answered all along: a broker timeout inside the publisher's transaction is
    // not one of its stalls.
    expect(
      metricValue(during, 'zra_dependency_timeouts_total', { dependency: 'postgres' }) ?? 0,
    ).toBe(0);
    expect(await states(held)).toEqual(['stored', 'stored']);

    proxy.restore();
    // The run's end is recorded after the batch's results, in its own transaction.
    await waitFor(
      'the held drops to be published and processed, and their runs to end',
      async () => {
        const open = await env.pool.query(
          'SELECT 1 FROM job_runs WHERE subject = ANY($1::uuid[]) AND ended_at IS NULL',
          [held],
        );
        return (await states(held)).every((s) => s === 'processed') && open.rowCount === 0;
      },
      { timeoutMs: 60_000 },
    );
    const outbox = await env.pool.query('SELECT 1 FROM outbox WHERE published_at IS NULL');
    expect(outbox.rowCount).toBe(0);
    for (const id of held) {
      const runs = await env.pool.query<{ attempt: number; outcome: string }>(
        'SELECT attempt, outcome FROM job_runs WHERE subject = $1 ORDER BY id',
        [id],
      );
      expect(runs.rows).toEqual([{ attempt: 1, outcome: 'succeeded' }]);
    }
    expect(metricValue(await metrics(), 'zra_broker_up')).toBe(1);
  });
});
