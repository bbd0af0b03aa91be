import { existsSync } from 'node:fs';
import { readdir, appendFile, utimes } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { TRPCClientError } from '@trpc/client';
import { writeDropZip } from '@zra/shared';
import { putOnGateway } from '@zra/gateway/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral } from '../central.ts';
import { BlobStore } from '../blob/blob-store.ts';
import { createLogger } from '../logger.ts';
import {
  keyLoginRide,
  pullNow,
  requestRow,
  runQueuedWork,
  setUpRide,
  startPullFixture,
  type PullFixture,
} from '../testing/central-pull.ts';
import { startCliProcess } from '../testing/cli-process.ts';
import { watchLogs } from '../testing/process-logs.ts';
import { createParkClient, uploadDrop } from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { fireDownloadRule } from './download-scheduler.ts';
import { pullRide } from './pull-ride.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

/**
 * Central pull against the real OpenSSH gateway, PostgreSQL, RabbitMQ and worker: a ride's
 * drops come in through the ingest's own commit, the host key is shown and pinned only when
 * accepted, a wrong password or an unreachable gateway stops the ride with a sentence, the
 * same drop from the park app and from central is one batch, replicas fire a schedule once,
 * and the settle rule holds across job pods.
 */
let f: PullFixture;

beforeAll(async () => {
  f = await startPullFixture('central_pull');
});
afterAll(async () => {
  await f?.close();
});

const hour = (i: number) => new Date(Date.UTC(2026, 5, 1, 8 + i)).toISOString();

async function batchesOf(ride: string) {
  const r = await f.env.pool.query<{
    file_name: string;
    state: string;
    source: string;
    superseded_by: string | null;
  }>(
    `SELECT file_name, state, source, superseded_by FROM batches
      WHERE park_id = $1 AND ride_id = $2 ORDER BY file_name`,
    [f.park, ride],
  );
  return r.rows;
}

async function rideStatus(ride: string) {
  return f.admin.client.centralPull.get.query({ park: f.park, ride });
}

function trpcCode(err: unknown): string | undefined {
  return err instanceof TRPCClientError ? (err.data as { code?: string })?.code : undefined;
}

describe('a central-pull ride', () => {
  it("pulls the ride's settled drops through the ingest commit, moves them to the done folder, and pulls nothing twice", async () => {
    const ride = 'ride-a';
    const drops = [0, 1, 2].map((i) =>
      buildTestDrop({ park: f.park, ride, start: hour(i), sequence: i + 1 }),
    );
    // A revision of the first window (the PLC exported it again): it replaces the first.
    const revision = buildTestDrop({ park: f.park, ride, start: hour(0), sequence: 9, salt: 1 });
    for (const [i, d] of [...drops, revision].entries()) {
      await putOnGateway(f.gw, 'a', d.fileName, d.zip, 600 - i * 60);
    }
    // Still being written: listed, not pulled.
    const young = buildTestDrop({ park: f.park, ride, start: hour(5), sequence: 6 });
    await putOnGateway(f.gw, 'a', young.fileName, young.zip, 0);
    // Relative to the login directory, like the ride's folder.
    await setUpRide(f, await keyLoginRide(f, ride, 'a', { afterDownload: { moveTo: 'a-done' } }));

    const first = await pullNow(f, ride, ['download', 'postprocess']);

    expect(await requestRow(f, first)).toMatchObject({
      state: 'done',
      counts: { listed: 5, stored: 4, duplicates: 0, quarantined: 0, young: 1, waiting: 1 },
    });
    const batches = await batchesOf(ride);
    expect(batches.map((b) => [b.file_name, b.state, b.source])).toEqual(
      [...drops, revision]
        .map((d) => [d.fileName, 'processed', 'central'])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    // Rule R2 through the same commit as an upload: the re-export replaced the first window.
    expect(batches.find((b) => b.file_name === drops[0]?.fileName)?.superseded_by).not.toBeNull();
    expect((await readdir(join(f.gw.root, 'a-done'))).sort()).toEqual(
      [...drops, revision].map((d) => d.fileName).sort(),
    );
    expect(await readdir(join(f.gw.root, 'a'))).toEqual(expect.arrayContaining([young.fileName]));
    const status = await rideStatus(ride);
    expect(status.status).toMatchObject({
      lastError: null,
      consecutiveFailures: 0,
      filesWaiting: 1,
    });
    expect(status.status.lastSuccessAt).not.toBeNull();
    expect(status.fedBy.centralLastAt).not.toBeNull();
    expect(status.fedBy.appLastAt).toBeNull();
    // The scratch files of the download are gone.
    expect(await readdir(join(f.config.blobDir, 'tmp'))).toEqual([]);

    // Settled now (as if its min age passed): the next pull takes only it.
    const t = (Date.now() - 120_000) / 1000;
    await utimes(join(f.gw.root, 'a', young.fileName), t, t);
    const second = await pullNow(f, ride);
    expect((await requestRow(f, second)).counts).toMatchObject({
      listed: 1,
      stored: 1,
      waiting: 0,
    });
    const third = await pullNow(f, ride);
    expect((await requestRow(f, third)).counts).toMatchObject({ listed: 0, stored: 0 });
  });

  it('keeps files it pulled on the gateway with "keep" and never downloads them again', async () => {
    const ride = 'ride-k';
    const d = buildTestDrop({ park: f.park, ride, start: hour(0) });
    await putOnGateway(f.gw, 'k', d.fileName, d.zip);
    await setUpRide(f, await keyLoginRide(f, ride, 'k'));
    const first = await pullNow(f, ride);
    const again = await pullNow(f, ride);
    expect((await requestRow(f, first)).counts).toMatchObject({ listed: 1, stored: 1 });
    expect((await requestRow(f, again)).counts).toMatchObject({
      listed: 1,
      stored: 0,
      duplicates: 0,
    });
    expect(existsSync(join(f.gw.root, 'k', d.fileName))).toBe(true);
  });

  it('is one batch when the same drop arrives from the park app and from central pull at the same moment', async () => {
    const ride = 'ride-both';
    await setUpRide(f, await keyLoginRide(f, ride, 'both'));
    const park = createParkClient(f.central.url, f.token);
    for (let i = 0; i < 3; i++) {
      const pulled = buildTestDrop({ park: f.park, ride, start: hour(i), sequence: 1 });
      // The app sends the same content zipped another way (its own export of the window).
      const uploaded = writeDropZip(pulled.header, pulled.entries, { level: 0 });
      expect(uploaded.zip.equals(pulled.zip)).toBe(false);
      await putOnGateway(f.gw, 'both', pulled.fileName, pulled.zip);
      const { requestId } = await f.admin.client.centralPull.pullNow.mutate({ park: f.park, ride });
      const [app] = await Promise.all([
        uploadDrop(park, uploaded.zip, uploaded.fileName),
        runQueuedWork(f),
      ]);
      const batches = await f.env.pool.query<{ id: string; source: string }>(
        'SELECT id, source FROM batches WHERE park_id = $1 AND ride_id = $2 AND window_start = $3',
        [f.park, ride, hour(i)],
      );
      expect(batches.rows, `window ${i}`).toHaveLength(1);
      const [only] = batches.rows;
      const counts = (await requestRow(f, requestId)).counts;
      // Whichever committed first is the batch; the other path got a duplicate of it.
      if (only?.source === 'central') {
        expect(app).toEqual({ status: 'duplicate', batchId: only.id });
        expect(counts).toMatchObject({ stored: 1, duplicates: 0 });
      } else {
        expect(app).toMatchObject({ status: 'stored', batchId: only?.id });
        expect(counts).toMatchObject({ stored: 0, duplicates: 1 });
      }
    }
    const outbox = await f.env.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox o JOIN batches b ON b.id::text = o.message->>'batchId'
        WHERE b.ride_id = $1`,
      [ride],
    );
    expect(outbox.rows[0]?.n).toBe(3);
  });
});

describe('the gateway host key', () => {
  it('is shown on first contact and pinned only when an admin accepts the one presented; nothing is pulled before', async () => {
    const ride = 'ride-hk';
    const d = buildTestDrop({ park: f.park, ride, start: hour(0) });
    await putOnGateway(f.gw, 'hk', d.fileName, d.zip);
    await f.admin.client.centralPull.set.mutate(await keyLoginRide(f, ride, 'hk'));
    expect((await rideStatus(ride)).hostKey).toEqual({
      state: 'unconfirmed',
      pinned: null,
      presented: null,
    });

    const { requestId } = await f.admin.client.centralPull.check.mutate({ park: f.park, ride });
    await runQueuedWork(f);

    expect(await requestRow(f, requestId)).toMatchObject({
      state: 'failed',
      error_code: 'host_key_unconfirmed',
    });
    const shown = await rideStatus(ride);
    expect(shown.hostKey).toEqual({
      state: 'presented',
      pinned: null,
      presented: f.gw.hostKeySha256,
    });
    expect(shown.status.lastError).toContain(f.gw.hostKeySha256);
    expect(shown.status.lastError).toContain('accept');
    expect(await batchesOf(ride)).toEqual([]);

    // Only the key the gateway presented can be accepted.
    const other = `SHA256:${'A'.repeat(43)}`;
    const refused = await f.admin.client.centralPull.acceptHostKey
      .mutate({ park: f.park, ride, fingerprint: other })
      .catch((err: unknown) => err);
    expect(trpcCode(refused)).toBe('CONFLICT');
    expect((refused as Error).message).toContain(f.gw.hostKeySha256);

    const accepted = await f.admin.client.centralPull.acceptHostKey.mutate({
      park: f.park,
      ride,
      fingerprint: f.gw.hostKeySha256,
    });
    expect(accepted.hostKey.state).toBe('pinned');
    expect(accepted.status.lastError).toBeNull();
    await pullNow(f, ride);
    expect(await batchesOf(ride)).toHaveLength(1);
  });
});

describe('a gateway that refuses or cannot be reached', () => {
  it('stops the ride with a sentence on a wrong password, keeps the password sealed, and pulls once it is corrected', async () => {
    const ride = 'ride-pw';
    const login = f.gw.password;
    if (!login) throw new Error('the harness gateway has no password login');
    const d = buildTestDrop({ park: f.park, ride, start: hour(0) });
    await putOnGateway(f.gw, 'pw', d.fileName, d.zip);
    const wrong = 'not the password 7';
    const input = {
      ...(await keyLoginRide(f, ride, 'pw')),
      gateway: {
        type: 'sftp' as const,
        host: f.gw.host,
        port: f.gw.port,
        username: login.username,
      },
      credential: { password: wrong },
    };
    await setUpRide(f, input);

    const failed = await pullNow(f, ride);

    expect(await requestRow(f, failed)).toMatchObject({
      state: 'failed',
      error_code: 'gateway_login_refused',
    });
    const status = await rideStatus(ride);
    expect(status.status.lastError).toMatch(/refused the user name or credential/);
    expect(status.status.lastError).toMatch(/correct the user name and password or key/);
    expect(status.status.lastError).not.toMatch(/Cannot read|undefined|\/tmp\//);
    expect(status.status.consecutiveFailures).toBe(1);
    expect(await batchesOf(ride)).toEqual([]);
    // The failure is on /metrics, for the alert on a ride whose pulls keep failing.
    const metrics = await (await fetch(`${f.central.metricsUrl}/metrics`)).text();
    expect(metrics).toContain(`zra_central_pull_failures{park="${f.park}",ride="${ride}"} 1`);
    // Never in an answer, never in clear in the database, never in the audit log.
    expect(JSON.stringify(await f.admin.client.centralPull.list.query({}))).not.toContain(wrong);
    const stored = await f.env.pool.query<{ credential_sealed: Buffer }>(
      'SELECT credential_sealed FROM ride_sources WHERE park_id = $1 AND ride_id = $2',
      [f.park, ride],
    );
    expect(stored.rows[0]?.credential_sealed.includes(Buffer.from(wrong))).toBe(false);
    const audit = await f.env.pool.query<{ details: unknown }>(
      "SELECT details FROM audit_log WHERE action = 'centralPull.set'",
    );
    expect(audit.rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit.rows)).not.toContain(wrong);

    await f.admin.client.centralPull.set.mutate({
      ...input,
      credential: { password: login.password },
    });
    const fixed = await pullNow(f, ride);
    expect((await requestRow(f, fixed)).counts).toMatchObject({ stored: 1 });
    expect((await rideStatus(ride)).status).toMatchObject({
      lastError: null,
      consecutiveFailures: 0,
    });
  });

  it('says the gateway cannot be reached, and what to check, when nothing answers at its address', async () => {
    const ride = 'ride-gone';
    // A port that was free a moment ago: nothing listens there.
    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer();
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
    await setUpRide(f, {
      ...(await keyLoginRide(f, ride, 'gone')),
      gateway: { type: 'sftp', host: '127.0.0.1', port: closed, username: f.gw.username },
    });
    const failed = await pullNow(f, ride);
    const row = await requestRow(f, failed);
    expect(row).toMatchObject({ state: 'failed', error_code: 'gateway_unreachable' });
    expect(row.error).toMatch(
      new RegExp(`cannot connect to the gateway .*127\\.0\\.0\\.1:${closed}`),
    );
    expect(row.error).toMatch(/check the gateway's address/);
    // A gateway failure is the ride's schedule's to retry: one run, not DELIVERY_LIMIT of them.
    const runs = await f.env.pool.query<{ outcome: string }>(
      'SELECT outcome FROM job_runs WHERE subject = $1',
      [failed],
    );
    expect(runs.rows).toEqual([{ outcome: 'failed' }]);
  });
});

describe('schedules', () => {
  it('fire once per instant however many API replicas run them: one download', async () => {
    const ride = 'ride-cron';
    const d = buildTestDrop({ park: f.park, ride, start: hour(0) });
    await putOnGateway(f.gw, 'cron', d.fileName, d.zip);
    // Every second (six fields), so two replicas meet on several instants in a few seconds.
    await setUpRide(f, await keyLoginRide(f, ride, 'cron', { cron: '* * * * * *' }));
    const replicas = await Promise.all(
      [0, 1].map(() =>
        startCentral(f.config, {
          publisher: false,
          scheduler: false,
          downloadScheduler: true,
          uploadSweeper: false,
          stuckJobSweeper: false,
        }),
      ),
    );
    try {
      await waitFor(
        'three firings of the schedule',
        async () => {
          const r = await f.env.pool.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM download_firings WHERE ride_id = $1',
            [ride],
          );
          return (r.rows[0]?.n ?? 0) >= 3;
        },
        { timeoutMs: 20_000 },
      );
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
    const requests = await f.env.pool.query<{ id: string }>(
      'SELECT id FROM download_requests WHERE ride_id = $1',
      [ride],
    );
    // No worker ran meanwhile: every firing found the one download still waiting.
    expect(requests.rows).toHaveLength(1);
    const firings = await f.env.pool.query<{ request_id: string }>(
      'SELECT DISTINCT request_id FROM download_firings WHERE ride_id = $1',
      [ride],
    );
    expect(firings.rows).toEqual([{ request_id: requests.rows[0]?.id }]);
    await runQueuedWork(f);
    expect(await batchesOf(ride)).toHaveLength(1);
  });

  it('claims a firing in exactly one of two processes that fire it at the same instant', async () => {
    const ride = 'ride-race';
    await setUpRide(f, await keyLoginRide(f, ride, 'race'));
    const pools = [0, 1].map(() => new pg.Pool({ connectionString: f.config.databaseUrl, max: 2 }));
    try {
      const at = new Date('2026-06-01T10:15:00Z');
      const rule = { park: f.park, ride, cron: '*/15 * * * *', timezone: 'Europe/Rome' };
      const results = await Promise.all(pools.map((p) => fireDownloadRule(p, rule, at)));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      const requests = await f.env.pool.query(
        'SELECT 1 FROM download_requests WHERE ride_id = $1',
        [ride],
      );
      expect(requests.rowCount).toBe(1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});

describe('the settle rule across job pods', () => {
  it('leaves a file that grows between listings, and pulls it whole once it stayed unchanged for the min age, even with the gateway clock an hour ahead', async () => {
    const ride = 'ride-grow';
    await setUpRide(f, await keyLoginRide(f, ride, 'grow', { minAgeSeconds: 60 }));
    const d = buildTestDrop({ park: f.park, ride, start: hour(0) });
    const half = Math.floor(d.zip.length / 2);
    const file = await putOnGateway(f.gw, 'grow', d.fileName, d.zip.subarray(0, half));
    // The gateway's clock runs an hour ahead: the file's mtime always looks brand new.
    const ahead = async () => {
      const t = (Date.now() + 3_600_000) / 1000;
      await utimes(file, t, t);
    };
    await ahead();
    let clock = Date.now();
    const source = await f.env.pool.query<{ timezone: string }>(
      'SELECT timezone FROM parks WHERE id = $1',
      [f.park],
    );
    // One pull per listing, as separate job pods would run them: only PostgreSQL remembers.
    const pullOnce = () =>
      pullRide(
        {
          park: {
            id: f.park,
            name: f.park,
            timezone: source.rows[0]?.timezone ?? 'UTC',
            language: 'en',
          },
          ride,
          connection: {
            type: 'sftp',
            host: f.gw.host,
            port: f.gw.port,
            username: f.gw.username,
            privateKeyPath: f.gw.privateKeyPath,
            hostKeySha256: f.gw.hostKeySha256,
          },
          remoteDir: 'grow',
          afterDownload: 'keep',
          minAgeMs: 60_000,
          listOnly: false,
          since: null,
          after: null,
          maxFiles: 10,
        },
        {
          pool: f.env.pool,
          blobs: new BlobStore(f.config.blobDir),
          log: createLogger('silent'),
          now: () => clock,
        },
      );
    expect((await pullOnce()).counts).toMatchObject({ young: 1, stored: 0 });
    // 50 s later it grew (the rest of the export arrived): seen again from scratch.
    clock += 50_000;
    await appendFile(file, d.zip.subarray(half));
    await ahead();
    expect((await pullOnce()).counts).toMatchObject({ young: 1, stored: 0 });
    clock += 50_000;
    expect((await pullOnce()).counts).toMatchObject({ young: 1, stored: 0 });
    // Unchanged for the min age since it last grew: settled, pulled whole and valid.
    clock += 11_000;
    expect((await pullOnce()).counts).toMatchObject({ young: 0, stored: 1, quarantined: 0 });
    const left = await f.env.pool.query(
      'SELECT 1 FROM gateway_sightings WHERE park_id = $1 AND ride_id = $2',
      [f.park, ride],
    );
    expect(left.rowCount).toBe(0);
  });
});

describe('without GATEWAY_CREDENTIALS_KEY', () => {
  it('refuses to store a credential, and a download worker refuses to start while a ride uses central pull', async () => {
    const noKey = await startCentral(
      { ...f.config, gatewayCredentialsKey: undefined },
      { scheduler: false, uploadSweeper: false, stuckJobSweeper: false, publisher: false },
    );
    try {
      const { createDashboardClient } = await import('../testing/dashboard-client.ts');
      const admin = createDashboardClient(noKey.url);
      await admin.login('pull-admin', 'pull admin password 1');
      const refused = await admin.client.centralPull.set
        .mutate(await keyLoginRide(f, 'ride-nokey', 'nokey'))
        .catch((err: unknown) => err);
      expect(trpcCode(refused)).toBe('PRECONDITION_FAILED');
      expect((refused as Error).message).toMatch(/GATEWAY_CREDENTIALS_KEY is not set/);
      const listed = await admin.client.centralPull.list.query({});
      expect(listed.problem).toMatch(
        /central pull, but central pull needs GATEWAY_CREDENTIALS_KEY/,
      );
    } finally {
      await noKey.close();
    }
    const worker = startCliProcess(f.config, ['worker', '--drain', '--queue', 'download'], {
      env: { GATEWAY_CREDENTIALS_KEY: '' },
    });
    const logs = watchLogs(worker.child);
    const closed = new Promise((resolve) => worker.child.once('close', resolve));
    expect(await worker.exited).toBe(78);
    await closed;
    expect(JSON.stringify(logs.lines)).toMatch(
      /a ride uses central pull|rides use central pull, but central pull needs GATEWAY_CREDENTIALS_KEY/,
    );
  });
});
