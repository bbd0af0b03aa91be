import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyDrop } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  putDrop,
  sendChunk,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop, type TestDrop } from '../testing/test-drop.ts';
import {
  startTcpProxy,
  targetOfUrl,
  type ProxyDirection,
  type TcpProxy,
} from '../../../scripts/harness/tcp-proxy.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { trpcCode } from './agent-like-upload.ts';
import { tearDownFaultTest } from './fault-teardown.ts';

let env: TestEnvironment;
let central: RunningCentral;
let proxy: TcpProxy;
let token: string;

/** Which side of the COMMIT the next cut lands on, or null when unarmed. */
let armed: ProxyDirection | null = null;
// The commit of a stored drop is one statement, `SELECT record_stored_drop(…)`, in its own
// implicit transaction: its text goes to the server in the Parse message, and its answer
// (the column named after the function, then ReadyForQuery once committed) comes back in one
// flush after the commit.
const COMMIT = Buffer.from('record_stored_drop', 'latin1');

beforeAll(async () => {
  env = await createTestEnvironment('fault-pg-cut');
  proxy = await startTcpProxy({
    ...targetOfUrl(env.config.databaseUrl),
    onData: (direction, chunk) => {
      if (armed === direction && chunk.includes(COMMIT)) {
        armed = null;
        proxy.cut();
      }
    },
  });
  const viaProxy = new URL(env.config.databaseUrl);
  viaProxy.port = String(proxy.port);
  // Nothing else may commit on the API's pool meanwhile: no publisher, scheduler or sweepers.
  central = await startCentral(
    { ...env.config, databaseUrl: viaProxy.toString() },
    { publisher: false, scheduler: false, uploadSweeper: false, stuckJobSweeper: false },
  );
  token = await createTestPark(env.pool);
});

afterAll(() => tearDownFaultTest({ env, central, proxy }));

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Begins and sends a whole drop; returns the upload id, ready to commit. */
async function sentUpload(drop: TestDrop): Promise<string> {
  const verdict = verifyDrop(drop.zip);
  if (!verdict.ok) throw new Error('test drop must be valid');
  const client = createParkClient(central.url, token);
  const begun = await client.ingest.begin.mutate({
    sha256: sha(drop.zip),
    contentId: verdict.contentId,
    bytes: drop.zip.length,
    fileName: drop.fileName,
  });
  if (begun.status !== 'upload') throw new Error(`expected an upload, got ${begun.status}`);
  await sendChunk(client, begun.uploadId, 0, drop.zip);
  return begun.uploadId;
}

async function rows(drop: TestDrop) {
  const batches = await env.pool.query<{ id: string }>('SELECT id FROM batches WHERE sha256 = $1', [
    sha(drop.zip),
  ]);
  const outbox = await env.pool.query('SELECT 1 FROM outbox WHERE message_id = ANY($1::text[])', [
    batches.rows.map((b) => b.id),
  ]);
  const uploads = await env.pool.query<{ received_bytes: string }>(
    'SELECT received_bytes FROM uploads WHERE sha256 = $1',
    [sha(drop.zip)],
  );
  return {
    batches: batches.rows.map((b) => b.id),
    outboxRows: outbox.rowCount,
    uploadBytes: uploads.rows.map((u) => Number(u.received_bytes)),
  };
}

async function blobFiles(drop: TestDrop): Promise<string[]> {
  const dir = join(env.config.blobDir, 'blobs', sha(drop.zip).slice(0, 2));
  return readdir(dir).catch(() => []);
}

/**
 * Upload files central holds. A put's must be gone once it answered, whatever it answered; a
 * chunked upload cut after its commit is removed once the database answers again.
 */
async function uploadFiles(): Promise<string[]> {
  return (await readdir(join(env.config.blobDir, 'uploads'))).sort();
}

async function commitError(uploadId: string) {
  return failure(createParkClient(central.url, token).ingest.commit.mutate({ uploadId }));
}

async function failure(call: Promise<unknown>) {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('the call should have failed');
  const data = (err as { data?: { httpStatus?: number } }).data;
  return { code: trpcCode(err), status: data?.httpStatus, message: err.message };
}

// The API runs in this test process: had the dropped connection become an uncaught 'error'
// event (as it did before withTransaction listened for it), vitest would fail the run.
describe('PostgreSQL connection cut during commit', () => {
  it('before the COMMIT reaches the server: a retryable 503, nothing half-written, and a retry stores the drop once', async () => {
    const drop = buildTestDrop({ sequence: 1 });
    const uploadId = await sentUpload(drop);
    armed = 'to-target';
    const err = await commitError(uploadId);
    expect(proxy.cuts).toBe(1);
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    expect(err.message).toMatch(/database/i);
    expect(err.message).toMatch(/retry|again/i);
    // The transaction died with the connection: no batch, no outbox row; the upload is intact.
    expect(await rows(drop)).toEqual({
      batches: [],
      outboxRows: 0,
      uploadBytes: [drop.zip.length],
    });

    proxy.restore();
    const retried = await createParkClient(central.url, token).ingest.commit.mutate({ uploadId });
    expect(retried.status).toBe('stored');
    expect(await rows(drop)).toEqual({
      batches: [retried.batchId],
      outboxRows: 1,
      uploadBytes: [],
    });
    // The blob was written twice under one name: one file, no temp files left.
    expect(await blobFiles(drop)).toEqual([`${sha(drop.zip)}.zip`]);
    expect((await fetch(`${central.url}/healthz`)).status).toBe(200);
  });

  it('after the server committed but before the answer: the retry learns duplicate with the same batch', async () => {
    const drop = buildTestDrop({ sequence: 2 });
    const uploadId = await sentUpload(drop);
    armed = 'to-client';
    const err = await commitError(uploadId);
    expect(err.status).toBe(503);
    proxy.restore();
    const committed = await rows(drop);
    expect(committed.batches).toHaveLength(1);
    expect(committed.outboxRows).toBe(1);

    // The agent retries the commit: the upload is gone, so it begins again and is told.
    const client = createParkClient(central.url, token);
    const again = await commitError(uploadId);
    expect(again.code).toBe('NOT_FOUND');
    const verdict = verifyDrop(drop.zip);
    if (!verdict.ok) throw new Error('test drop must be valid');
    const begun = await client.ingest.begin.mutate({
      sha256: sha(drop.zip),
      contentId: verdict.contentId,
      bytes: drop.zip.length,
      fileName: drop.fileName,
    });
    expect(begun).toEqual({ status: 'duplicate', batchId: committed.batches[0] });
    expect(await rows(drop)).toEqual({ ...committed, uploadBytes: [] });
    expect(await blobFiles(drop)).toEqual([`${sha(drop.zip)}.zip`]);

    // The commit's own removal of the upload's file never ran: central looks again once the
    // database answers, finds the row gone, and removes it (no sweeper runs in this test);
    // the drop's blob stays whole.
    const part = `${uploadId}.part`;
    await waitFor(
      "the lost commit's upload file to be removed",
      async () => !(await uploadFiles()).includes(part),
      { timeoutMs: 15_000 },
    );
    const blob = await readFile(
      join(env.config.blobDir, 'blobs', sha(drop.zip).slice(0, 2), `${sha(drop.zip)}.zip`),
    );
    expect(sha(blob)).toBe(sha(drop.zip));
  });

  it('during a whole-drop put: a retryable 503 that leaves no file behind, and the same put again stores it once', async () => {
    const drop = buildTestDrop({ sequence: 3 });
    const client = createParkClient(central.url, token);
    const cuts = proxy.cuts;
    const files = await uploadFiles();
    armed = 'to-target';
    const err = await failure(putDrop(client, drop.zip, drop.fileName));
    expect(proxy.cuts).toBe(cuts + 1);
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    expect(err.message).toMatch(/send the drop again/);
    expect(await rows(drop)).toEqual({ batches: [], outboxRows: 0, uploadBytes: [] });
    expect(await uploadFiles()).toEqual(files);

    proxy.restore();
    const retried = await putDrop(client, drop.zip, drop.fileName);
    expect(retried.status).toBe('stored');
    expect(await rows(drop)).toEqual({
      batches: [retried.batchId],
      outboxRows: 1,
      uploadBytes: [],
    });
    expect(await blobFiles(drop)).toEqual([`${sha(drop.zip)}.zip`]);
    expect(await uploadFiles()).toEqual(files);
  });

  it('after a put was committed but before the answer: the same put again answers duplicate with that batch', async () => {
    const drop = buildTestDrop({ sequence: 4 });
    const client = createParkClient(central.url, token);
    const files = await uploadFiles();
    armed = 'to-client';
    const err = await failure(putDrop(client, drop.zip, drop.fileName));
    expect(err.status).toBe(503);
    proxy.restore();
    const committed = await rows(drop);
    expect(committed.batches).toHaveLength(1);
    expect(committed.outboxRows).toBe(1);

    const again = await putDrop(client, drop.zip, drop.fileName);
    expect(again).toEqual({ status: 'duplicate', batchId: committed.batches[0] });
    expect(await rows(drop)).toEqual(committed);
    expect(await uploadFiles()).toEqual(files);
  });
});
