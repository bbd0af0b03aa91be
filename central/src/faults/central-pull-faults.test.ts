import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DROP_LIMITS, generateSmallDrop, verifyDrop } from '@zra/shared';
import { putOnGateway } from '@zra/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../blob/blob-store.ts';
import { inProcessChecker } from '../ingest/drop-verifier.ts';
import { createLogger } from '../logger.ts';
import { downloadJob } from '../pull/download-job.ts';
import { recheckPulledDrop } from '../pull/pulled-quarantine.ts';
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
import { buildTestDrop } from '../testing/test-drop.ts';
import { controlGateway } from '../../../scripts/harness/gateway-process.ts';
import { startSftpGateway, type SftpGateway } from '../../../scripts/harness/sftp-gateway.ts';
import { startTcpProxy, type TcpProxy } from '../../../scripts/harness/tcp-proxy.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

/**
 * Central pull's faults, each injected for real: the gateway's sshd killed mid-download, the
 * worker SIGKILLed mid-download, a changed host key, a folder of 10,000 files, and every bad
 * drop class the park app quarantines (the shared test vectors, plus the park, ride and clock
 * checks), with the quarantine's check-again and delete.
 */
let f: PullFixture;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  f = await startPullFixture('central_pull_faults');
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await f?.close();
});

const hour = (i: number) => new Date(Date.UTC(2026, 4, 1, i)).toISOString();

/** A 50 Hz drop of about 1.7 MB: long enough to be cut in the middle through a slow link. */
function bigDrop(ride: string, h: number) {
  return generateSmallDrop({ park: f.park, ride, rateHz: 50, hour: h, date: '2026-06-06' });
}

/** A private gateway (its sshd may be killed or re-keyed) behind a slow link the test watches. */
async function slowGateway(onToClient: (total: number) => void): Promise<{
  gw: SftpGateway;
  proxy: TcpProxy;
}> {
  const gw = await startSftpGateway();
  let total = 0;
  const proxy = await startTcpProxy({
    targetHost: gw.host,
    targetPort: gw.port,
    bytesPerSecond: 400_000,
    onData: (direction, chunk) => {
      if (direction !== 'to-client') return;
      total += chunk.length;
      onToClient(total);
    },
  });
  cleanups.push(
    () => proxy.close(),
    () => gw.stop(),
  );
  return { gw, proxy };
}

async function batchOfContent(fileName: string): Promise<{ id: string; state: string }[]> {
  const r = await f.env.pool.query<{ id: string; state: string }>(
    'SELECT id, state FROM batches WHERE park_id = $1 AND file_name = $2',
    [f.park, fileName],
  );
  return r.rows;
}

async function blobFiles(): Promise<string[]> {
  const root = join(f.config.blobDir, 'blobs');
  const out: string[] = [];
  for (const dir of await readdir(root)) out.push(...(await readdir(join(root, dir))));
  return out;
}

describe('the gateway killed in the middle of a download', () => {
  it('keeps what was committed, leaves no partial blob or batch, and the next pull completes it', async () => {
    const ride = 'ride-killed';
    let killed = false;
    let kill: () => void = () => undefined;
    const { gw, proxy } = await slowGateway((total) => {
      if (!killed && total > 700_000) {
        killed = true;
        kill();
      }
    });
    const control = controlGateway(gw);
    cleanups.push(() => control.stop());
    kill = () => control.kill();
    const small = buildTestDrop({ park: f.park, ride, start: hour(0) });
    const big = bigDrop(ride, 10);
    await putOnGateway(gw, 'k', small.fileName, small.zip, 600);
    await putOnGateway(gw, 'k', big.fileName, big.zip, 300);
    await setUpRide(f, {
      ...(await keyLoginRide(f, ride, 'k')),
      gateway: { type: 'sftp', host: '127.0.0.1', port: proxy.port, username: gw.username },
      credential: { privateKey: await readFile(gw.privateKeyPath, 'utf8') },
    });
    await f.env.pool.query(
      'UPDATE ride_sources SET host_key_pinned = $1 WHERE park_id = $2 AND ride_id = $3',
      [gw.hostKeySha256, f.park, ride],
    );

    const cut = await pullNow(f, ride);

    expect(killed).toBe(true);
    const row = await requestRow(f, cut);
    expect(row).toMatchObject({ state: 'failed', error_code: 'gateway_connection_lost' });
    expect(row.error).toMatch(/the connection to the gateway .* (was closed|failed|ended)/);
    expect(row.error).toMatch(/the drops committed before stay/);
    expect(await batchOfContent(small.fileName)).toHaveLength(1);
    expect(await batchOfContent(big.fileName)).toEqual([]);
    const bigSha = (verifyDrop(big.zip) as { sha256: string }).sha256;
    expect(await blobFiles()).not.toContain(`${bigSha}.zip`);
    expect((await blobFiles()).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await readdir(join(f.config.blobDir, 'tmp'))).toEqual([]);

    await control.restart();
    const next = await pullNow(f, ride);
    expect(await requestRow(f, next)).toMatchObject({
      state: 'done',
      counts: { listed: 2, stored: 1, duplicates: 0 },
    });
    expect(await batchOfContent(big.fileName)).toHaveLength(1);
    expect(await blobFiles()).toContain(`${bigSha}.zip`);
  });
});

describe('the worker SIGKILLed in the middle of a download', () => {
  it('leaves no partial blob and no batch; the next job takes the message and completes it', async () => {
    const ride = 'ride-sigkill';
    let worker: ReturnType<typeof startCliProcess> | null = null;
    let killed = false;
    const { gw, proxy } = await slowGateway((total) => {
      if (!killed && worker?.child.pid && total > 700_000) {
        killed = true;
        process.kill(worker.child.pid, 'SIGKILL');
      }
    });
    const big = bigDrop(ride, 11);
    await putOnGateway(gw, 's', big.fileName, big.zip, 300);
    await setUpRide(f, {
      ...(await keyLoginRide(f, ride, 's')),
      gateway: { type: 'sftp', host: '127.0.0.1', port: proxy.port, username: gw.username },
      credential: { privateKey: await readFile(gw.privateKeyPath, 'utf8') },
    });
    await f.env.pool.query(
      'UPDATE ride_sources SET host_key_pinned = $1 WHERE park_id = $2 AND ride_id = $3',
      [gw.hostKeySha256, f.park, ride],
    );
    const { requestId } = await f.admin.client.centralPull.pullNow.mutate({ park: f.park, ride });
    await waitFor('the download to be published', async () => {
      const r = await f.env.pool.query(
        'SELECT 1 FROM outbox WHERE message_id = $1 AND published_at IS NOT NULL',
        [requestId],
      );
      return r.rowCount === 1;
    });

    worker = startCliProcess(f.config, ['worker', '--drain', '--queue', 'download'], {
      env: { GATEWAY_CREDENTIALS_KEY: f.config.gatewayCredentialsKey?.toString('base64') ?? '' },
      stderr: 'ignore',
    });
    expect(await worker.exited).toBe(-1);
    expect(killed).toBe(true);

    // Killed with its file half downloaded: nothing of it is central's yet.
    expect(await batchOfContent(big.fileName)).toEqual([]);
    const bigSha = (verifyDrop(big.zip) as { sha256: string }).sha256;
    expect(await blobFiles()).not.toContain(`${bigSha}.zip`);
    expect((await blobFiles()).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect((await requestRow(f, requestId)).state).toBe('running');

    // The broker hands the message to the next worker; PostgreSQL released the ride's lock
    // with the dead worker's connection, so it does not wait.
    await runQueuedWork(f);
    expect(await requestRow(f, requestId)).toMatchObject({
      state: 'done',
      counts: { stored: 1 },
    });
    expect(await batchOfContent(big.fileName)).toHaveLength(1);
    const runs = await f.env.pool.query<{ outcome: string }>(
      'SELECT outcome FROM job_runs WHERE subject = $1 ORDER BY id',
      [requestId],
    );
    expect(runs.rows.map((r) => r.outcome)).toEqual(['abandoned', 'succeeded']);
  });
});

describe('a gateway whose host key changed', () => {
  it('stops the ride with both keys shown and downloads nothing until an admin accepts the new key', async () => {
    const ride = 'ride-rekey';
    const gw = await startSftpGateway();
    const control = controlGateway(gw);
    cleanups.push(
      () => control.stop(),
      () => gw.stop(),
    );
    const d = buildTestDrop({ park: f.park, ride, start: hour(0) });
    await putOnGateway(gw, 'r', d.fileName, d.zip);
    await setUpRide(f, {
      ...(await keyLoginRide(f, ride, 'r')),
      gateway: { type: 'sftp', host: gw.host, port: gw.port, username: gw.username },
      credential: { privateKey: await readFile(gw.privateKeyPath, 'utf8') },
    });
    await f.env.pool.query(
      'UPDATE ride_sources SET host_key_pinned = $1 WHERE park_id = $2 AND ride_id = $3',
      [gw.hostKeySha256, f.park, ride],
    );
    control.kill();
    const replaced = await control.restartWithNewHostKey();

    const refused = await pullNow(f, ride);

    const row = await requestRow(f, refused);
    expect(row).toMatchObject({ state: 'failed', error_code: 'host_key_changed' });
    expect(row.error).toContain(gw.hostKeySha256);
    expect(row.error).toContain(replaced);
    expect(row.error).toMatch(/central sent no credential and pulled nothing/);
    const status = await f.admin.client.centralPull.get.query({ park: f.park, ride });
    expect(status.hostKey).toEqual({
      state: 'changed',
      pinned: gw.hostKeySha256,
      presented: replaced,
    });
    expect(await batchOfContent(d.fileName)).toEqual([]);

    await f.admin.client.centralPull.acceptHostKey.mutate({
      park: f.park,
      ride,
      fingerprint: replaced,
    });
    const accepted = await pullNow(f, ride);
    expect((await requestRow(f, accepted)).counts).toMatchObject({ stored: 1 });
  });
});

interface Vector {
  file: string;
  fileName: string | null;
  ok: boolean;
  code?: string;
  limits?: unknown;
  receivedAt?: string;
}

describe('bad files on the gateway', () => {
  it('quarantines every bad drop class with the reason the app gives, leaves them on the gateway, and lets an admin check again or delete', async () => {
    const ride = 'ride-bad';
    const vectorsDir = fileURLToPath(new URL('../../../shared/test-vectors/', import.meta.url));
    const { vectors } = JSON.parse(await readFile(join(vectorsDir, 'expected.json'), 'utf8')) as {
      vectors: Vector[];
    };
    // Each rejected vector under its own name (the verdict comes before any name check), with
    // the default limits and central's own clock.
    const bad = vectors
      .filter((v) => !v.ok && v.limits === undefined && v.receivedAt === undefined)
      .map((v) => ({ name: v.fileName ?? v.file, code: v.code ?? '', file: v.file }));
    let age = 3_000;
    const put = (name: string, bytes: Buffer) => putOnGateway(f.gw, 'bad', name, bytes, age--);
    // Vectors with the same bytes (two misnamed copies of one drop) are one rejected content:
    // the second would be its duplicate. One of each.
    const seen = new Set<string>();
    for (const v of [...bad]) {
      const bytes = await readFile(join(vectorsDir, 'drops', v.file));
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (seen.has(sha)) {
        bad.splice(bad.indexOf(v), 1);
        continue;
      }
      seen.add(sha);
      await put(v.name, bytes);
    }
    // What only a pull from a ride's folder can find: another park's or another ride's drop,
    // and a window ahead of central's clock (a PLC clock not on UTC).
    const otherPark = buildTestDrop({ park: 'other-park', ride, start: hour(1) });
    const otherRide = buildTestDrop({ park: f.park, ride: 'ride-elsewhere', start: hour(2) });
    const next = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000);
    const future = buildTestDrop({ park: f.park, ride, start: next.toISOString() });
    const good = buildTestDrop({ park: f.park, ride, start: hour(3) });
    for (const d of [otherPark, otherRide, future, good]) await put(d.fileName, d.zip);
    // Larger than any drop may be (sparse: no disk is spent on it).
    const huge = join(f.gw.root, 'bad', 'test-park_ride-bad_20260501T050000Z_1.zip');
    await writeFile(huge, '');
    await truncate(huge, DEFAULT_DROP_LIMITS.maxZipBytes + 1);
    const settled = (Date.now() - 3_600_000) / 1000;
    await utimes(huge, settled, settled);
    const expected = new Map<string, string>([
      ...bad.map((v) => [v.name, v.code] as [string, string]),
      [otherPark.fileName, 'park_mismatch'],
      [otherRide.fileName, 'ride_mismatch'],
      [future.fileName, 'window_in_future'],
      ['test-park_ride-bad_20260501T050000Z_1.zip', 'too_large'],
    ]);
    await setUpRide(f, await keyLoginRide(f, ride, 'bad', { afterDownload: 'delete' }));

    const first = await pullNow(f, ride);

    expect((await requestRow(f, first)).counts).toMatchObject({
      listed: expected.size + 1,
      stored: 1,
      quarantined: expected.size,
      failed: 0,
    });
    const quarantined = await f.admin.client.centralPull.quarantined.query({
      park: f.park,
      limit: 200,
    });
    const byName = new Map(quarantined.drops.map((d) => [d.fileName, d]));
    for (const [name, code] of expected) {
      expect(byName.get(name), name).toMatchObject({ code, ride });
      // A sentence that says what to do, never an internal text.
      expect(byName.get(name)?.reason, name).toMatch(/\w+ \w+ \w+/);
      expect(byName.get(name)?.reason, name).not.toMatch(/undefined|Cannot read|\/tmp\//);
    }
    // The good drop was deleted from the gateway; the rejected files stay there.
    const left = await readdir(join(f.gw.root, 'bad'));
    expect(left).not.toContain(good.fileName);
    expect(left.sort()).toEqual([...expected.keys()].sort());
    // Quarantine is final until a person acts: the next pull downloads nothing.
    const again = await pullNow(f, ride);
    expect((await requestRow(f, again)).counts).toMatchObject({ stored: 0, quarantined: 0 });

    // Checked again once the window has begun (the PLC clock was right after all).
    const futureId = byName.get(future.fileName)?.batchId ?? '';
    const rechecked = await recheckPulledDrop(
      f.env.pool,
      new BlobStore(f.config.blobDir),
      inProcessChecker(verifyDrop),
      futureId,
      next.getTime() + 60_000,
    );
    expect(rechecked.outcome).toBe('stored');
    const now = await f.env.pool.query<{ state: string; source: string }>(
      'SELECT state, source FROM batches WHERE id = $1',
      [rechecked.batchId],
    );
    expect(now.rows).toEqual([{ state: 'stored', source: 'central' }]);
    expect(await batchOfContent(future.fileName)).toHaveLength(1);
    const pulled = await f.env.pool.query<{ batch_id: string; outcome: string }>(
      'SELECT batch_id, outcome FROM pulled_files WHERE ride_id = $1 AND name = $2',
      [ride, future.fileName],
    );
    expect(pulled.rows).toEqual([{ batch_id: rechecked.batchId, outcome: 'stored' }]);
    // …and its gateway file is handled like any committed one at the next pull.
    await pullNow(f, ride);
    expect(await readdir(join(f.gw.root, 'bad'))).not.toContain(future.fileName);

    // A corrupt zip stays what it is.
    const corrupt = bad.find((v) => v.code === 'zip_corrupt');
    const corruptId = byName.get(corrupt?.name ?? '')?.batchId ?? '';
    expect(await f.admin.client.centralPull.recheck.mutate({ batchId: corruptId })).toMatchObject({
      outcome: 'quarantined',
      code: 'zip_corrupt',
    });

    // Deleted: its record and stored file go; the gateway file is not pulled again.
    const blob = await f.env.pool.query<{ blob_path: string }>(
      'SELECT blob_path FROM batches WHERE id = $1',
      [corruptId],
    );
    await f.admin.client.centralPull.deleteQuarantined.mutate({ batchId: corruptId });
    expect(await batchOfContent(corrupt?.name ?? '')).toEqual([]);
    const shared = await f.env.pool.query('SELECT 1 FROM batches WHERE blob_path = $1', [
      blob.rows[0]?.blob_path,
    ]);
    expect(existsSync(blob.rows[0]?.blob_path ?? '')).toBe((shared.rowCount ?? 0) > 0);
    const afterDelete = await pullNow(f, ride);
    expect((await requestRow(f, afterDelete)).counts).toMatchObject({ quarantined: 0, stored: 0 });
    const record = await f.env.pool.query<{ outcome: string }>(
      'SELECT outcome FROM pulled_files WHERE ride_id = $1 AND name = $2',
      [ride, corrupt?.name],
    );
    expect(record.rows).toEqual([{ outcome: 'deleted' }]);
  });
});

describe('a folder of 10,000 files', () => {
  it('pulls a bounded batch per job, oldest first, and queues the rest as the next job', async () => {
    const ride = 'ride-many';
    const dir = join(f.gw.root, 'many');
    await mkdir(dir, { recursive: true });
    const real = Array.from({ length: 200 }, (_, i) =>
      buildTestDrop({ park: f.park, ride, start: hour(i), sequence: 1 }),
    );
    const base = Date.now() / 1000 - 100_000;
    for (const [i, d] of real.entries()) {
      const file = join(dir, d.fileName);
      await writeFile(file, d.zip);
      await utimes(file, base + i, base + i);
    }
    // The rest of the folder: later files the first jobs never reach.
    const filler = real[0]?.zip ?? Buffer.alloc(0);
    for (let i = 0; i < 9_800; i++) {
      const file = join(dir, `later-${String(i).padStart(5, '0')}.zip`);
      await writeFile(file, filler);
      await utimes(file, base + 1_000 + i, base + 1_000 + i);
    }
    await setUpRide(f, await keyLoginRide(f, ride, 'many'));
    const { requestId } = await f.admin.client.centralPull.pullNow.mutate({ park: f.park, ride });
    const deps = {
      pool: f.env.pool,
      config: { ...f.config, downloadFilesPerJob: 100 },
      blobs: new BlobStore(f.config.blobDir),
      log: createLogger('silent'),
    };

    await downloadJob.run(deps, { requestId });

    expect(await requestRow(f, requestId)).toMatchObject({
      state: 'done',
      counts: { listed: 10_000, stored: 100, young: 0, waiting: 9_900 },
    });
    const continuation = await f.env.pool.query<{ id: string; after_name: string }>(
      `SELECT id, after_name FROM download_requests
        WHERE ride_id = $1 AND reason = 'continue' AND state = 'queued'`,
      [ride],
    );
    expect(continuation.rows).toEqual([{ id: expect.any(String), after_name: real[99]?.fileName }]);
    const next = continuation.rows[0]?.id ?? '';
    // Queued through the outbox like any download: the next job pod takes it.
    const outbox = await f.env.pool.query(
      "SELECT 1 FROM outbox WHERE queue = 'download' AND message->>'requestId' = $1",
      [next],
    );
    expect(outbox.rowCount).toBe(1);

    await downloadJob.run(deps, { requestId: next });

    expect((await requestRow(f, next)).counts).toMatchObject({
      listed: 10_000,
      stored: 100,
      waiting: 9_800,
    });
    const pulled = await f.env.pool.query<{ name: string }>(
      'SELECT name FROM pulled_files WHERE ride_id = $1 ORDER BY name',
      [ride],
    );
    expect(pulled.rows.map((r) => r.name)).toEqual(real.map((d) => d.fileName).sort());
    const status = await f.admin.client.centralPull.get.query({ park: f.park, ride });
    expect(status.status.filesWaiting).toBe(9_800);
    // The chain would go on through the queue; this test has seen its two links.
    await f.admin.client.centralPull.remove.mutate({ park: f.park, ride });
  });
});
