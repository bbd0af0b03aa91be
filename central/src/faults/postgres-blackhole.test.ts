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
import { faultyBinDir, type FaultyBinDir } from './job-binaries.ts';
import { metricValue } from './metric-value.ts';
import { tearDownFaultTest } from './fault-teardown.ts';

let env: TestEnvironment;
let central: RunningCentral;
let proxy: TcpProxy;
let bins: FaultyBinDir;
let worker: RunningWorker | undefined;
let token: string;
let apiLog: CapturedLog;

beforeAll(async () => {
  env = await createTestEnvironment('fault-pg-blackhole');
  // Short timeouts, so the test sees the stall within seconds (production: 10 s / 60 s).
  env.config.timeouts = {
    ...env.config.timeouts,
    dbConnectMs: 1000,
    dbStatementMs: 1500,
    dbQueryMs: 2500,
  };
  bins = await faultyBinDir({ realBinDir: env.config.rustBinDir, holdFirst: true });
  proxy = await startTcpProxy(env.config.databaseUrl);
  // The API and the worker both reach PostgreSQL only through the proxy.
  env.config.databaseUrl = throughProxy(env.config.databaseUrl, proxy.port);
  apiLog = captureLog('info');
  central = await startCentral(env.config, {
    scheduler: false,
    stuckJobSweeper: false,
    log: apiLog.log,
  });
  token = await createTestPark(env.pool);
});

afterAll(() => tearDownFaultTest({ env, central, worker, proxy, bins }));

async function metrics(): Promise<string> {
  const res = await fetch(`${central.metricsUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('a PostgreSQL link that silently stops answering (blackhole)', () => {
  it('is reported (error logs, a timeout metric) by the API and the worker, and work resumes once the link is back', async () => {
    const workerLog = captureLog('info');
    worker = await startWorker(
      { ...env.config, rustBinDir: bins.dir },
      { log: workerLog.log, retryDelayMs: 50, concurrency: 1 },
    );
    const client = createParkClient(central.url, token);
    const ids: string[] = [];
    for (let n = 1; n <= 3; n++) {
      const drop = buildTestDrop({
        sequence: n,
        cycles: n,
        start: `2026-06-01T0${n}:00:00Z`,
      });
      const r = await uploadDrop(client, drop.zip, drop.fileName);
      if (r.status !== 'stored') throw new Error(`upload ended ${r.status}`);
      ids.push(r.batchId);
    }
    await waitFor('the first job to start', () => bins.started(), { timeoutMs: 30_000 });
    expect(metricValue(await metrics(), 'zra_database_up')).toBe(1);

    proxy.blackhole();
    // The held job finishes now: its results meet a link that accepts and never answers.
    await bins.release();
    const stalled = await workerLog.waitFor(
      'the worker to report the stall',
      (l) => l.level === 50 && l.dependency === 'postgres' && l.timeout === true,
    );
    expect(stalled.msg).toContain('PostgreSQL did not answer in time');
    await apiLog.waitFor(
      'the API (outbox publisher) to report the stall',
      (l) => l.level === 50 && l.dependency === 'postgres',
    );
    // /metrics still answers: the process's own counters, the database metrics left out.
    const during = await metrics();
    expect(
      metricValue(during, 'zra_dependency_timeouts_total', { dependency: 'postgres' }),
    ).toBeGreaterThanOrEqual(1);
    expect(metricValue(during, 'zra_database_up')).toBe(0);

    proxy.restore();
    await waitFor(
      'every batch to be processed and its run recorded',
      async () => {
        const r = await env.pool.query<{ state: string }>(
          'SELECT state FROM batches WHERE id = ANY($1::uuid[])',
          [ids],
        );
        const open = await env.pool.query(
          'SELECT 1 FROM job_runs WHERE subject = ANY($1::uuid[]) AND ended_at IS NULL',
          [ids],
        );
        return (
          r.rows.length === 3 &&
          r.rows.every((row) => row.state === 'processed') &&
          open.rowCount === 0
        );
      },
      { timeoutMs: 60_000 },
    );
    for (const id of ids) {
      const runs = await env.pool.query<{ attempt: number; outcome: string }>(
        'SELECT attempt, outcome FROM job_runs WHERE subject = $1 ORDER BY id',
        [id],
      );
      expect(runs.rows).toEqual([{ attempt: 1, outcome: 'succeeded' }]);
    }
    expect(metricValue(await metrics(), 'zra_database_up')).toBe(1);
    expect(workerLog.lines.some((l) => String(l.msg).includes('resumed'))).toBe(true);
  });
});
