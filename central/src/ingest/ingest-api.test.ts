import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TRPCClientError } from '@trpc/client';
import { writeDropZip, writeZip } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createPark, revokeParkToken } from '../parks/park-store.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  beginInputOf,
  beginUpload,
  sendChunk,
  sendChunkForm,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import type { AppRouter } from '../server/router.ts';
import { UNRECOGNISED_TOKEN_MESSAGE } from '../server/park-bearer.ts';

let env: TestEnvironment;
let central: RunningCentral;
let token: string;

beforeAll(async () => {
  env = await createTestEnvironment('ingest');
  // No publisher: these tests look at what commit wrote, before anything is queued.
  central = await startCentral(env.config, { publisher: false });
  token = await createTestPark(env.pool);
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function count(table: string): Promise<number> {
  const r = await env.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(r.rows[0]?.n);
}

async function rejection(p: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCClientError);
  return err as TRPCClientError<AppRouter>;
}

describe('ingest API', () => {
  it('refuses a wrong token with a message that names the fix, and stores nothing', async () => {
    const before = await count('uploads');
    const drop = buildTestDrop({ sequence: 900 });
    const client = createParkClient(central.url, 'zra_not-a-real-token');
    const err = await rejection(uploadDrop(client, drop.zip, drop.fileName));
    expect(err.data?.code).toBe('UNAUTHORIZED');
    expect(err.message).toBe(UNRECOGNISED_TOKEN_MESSAGE);
    expect(await count('uploads')).toBe(before);
    expect(await count('batches')).toBe(0);
  });

  it('refuses a revoked token the same way', async () => {
    const { token: revoked } = await createPark(env.pool, {
      id: 'revoked-park',
      name: 'Revoked Park',
      timezone: 'Europe/Rome',
    });
    expect(await revokeParkToken(env.pool, revoked)).toBe(true);
    const drop = buildTestDrop({ park: 'revoked-park', sequence: 1 });
    const err = await rejection(
      uploadDrop(createParkClient(central.url, revoked), drop.zip, drop.fileName),
    );
    expect(err.data?.code).toBe('UNAUTHORIZED');
    expect(err.message).toBe(UNRECOGNISED_TOKEN_MESSAGE);
    const r = await env.pool.query("SELECT 1 FROM uploads WHERE park_id = 'revoked-park'");
    expect(r.rows).toHaveLength(0);
  });

  it('stores a valid drop once: blob verified on disk, one batch, one outbox row', async () => {
    const drop = buildTestDrop({ sequence: 1 });
    const client = createParkClient(central.url, token);
    const result = await uploadDrop(client, drop.zip, drop.fileName, 10_000);
    expect(result.status).toBe('stored');

    const { rows } = await env.pool.query('SELECT * FROM batches WHERE id = $1', [result.batchId]);
    expect(rows).toHaveLength(1);
    const batch = rows[0];
    expect(batch.state).toBe('stored');
    expect(batch.ride_id).toBe('revolution-1');
    expect(batch.sha256).toBe(sha(drop.zip));
    expect(batch.blob_path).toBe(
      `${env.config.blobDir}/blobs/${batch.sha256.slice(0, 2)}/${batch.sha256}.zip`,
    );
    expect(sha(await readFile(batch.blob_path))).toBe(batch.sha256);

    const outbox = await env.pool.query('SELECT * FROM outbox WHERE message_id = $1', [
      result.batchId,
    ]);
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0].queue).toBe('postprocess');
    expect(outbox.rows[0].message).toEqual({ batchId: result.batchId });
    const ride = await env.pool.query('SELECT model FROM rides WHERE id = $1', ['revolution-1']);
    expect(ride.rows[0].model).toBe('discovery-revolution');
    expect(await count('uploads')).toBe(0);
  });

  it('answers duplicate for the same content again and adds no rows', async () => {
    const drop = buildTestDrop({ sequence: 2 });
    const client = createParkClient(central.url, token);
    const first = await uploadDrop(client, drop.zip, drop.fileName);
    const batches = await count('batches');
    const outbox = await count('outbox');

    const again = await uploadDrop(client, drop.zip, drop.fileName);
    expect(again).toEqual({ status: 'duplicate', batchId: first.batchId });
    expect(await count('batches')).toBe(batches);
    expect(await count('outbox')).toBe(outbox);
  });

  it('treats the same content zipped differently as a duplicate (identity is the content)', async () => {
    const drop = buildTestDrop({ sequence: 3 });
    const client = createParkClient(central.url, token);
    const first = await uploadDrop(client, drop.zip, drop.fileName);
    // Same entries, another compression level: other zip bytes, same content id.
    const rezipped = writeDropZip(drop.header, drop.entries, { level: 0 });
    expect(rezipped.zip.equals(drop.zip)).toBe(false);
    const batches = await count('batches');
    const second = await uploadDrop(client, rezipped.zip, rezipped.fileName);
    expect(second).toEqual({ status: 'duplicate', batchId: first.batchId });
    expect(await count('batches')).toBe(batches);
  });

  it('resumes an upload cut after a partial upload from the offset central holds', async () => {
    const drop = buildTestDrop({ sequence: 4 });
    const client = createParkClient(central.url, token);
    const begin = beginInputOf(drop.zip, drop.fileName);
    const first = await client.ingest.begin.mutate(begin);
    if (first.status !== 'upload') throw new Error('expected an upload');
    const half = Math.floor(drop.zip.length / 2);
    await sendChunk(client, first.uploadId, 0, drop.zip.subarray(0, half));

    // The agent restarts: begin again returns the same upload and where it stands.
    const resumed = await client.ingest.begin.mutate(begin);
    expect(resumed).toEqual({ status: 'upload', uploadId: first.uploadId, offset: half });
    await sendChunk(client, first.uploadId, half, drop.zip.subarray(half));
    const result = await client.ingest.commit.mutate({ uploadId: first.uploadId });
    expect(result.status).toBe('stored');
    const { rows } = await env.pool.query('SELECT blob_path FROM batches WHERE id = $1', [
      result.batchId,
    ]);
    expect(sha(await readFile(rows[0].blob_path))).toBe(sha(drop.zip));
  });

  it('takes the multipart chunks of older agents too, even mixed with plain ones in one upload', async () => {
    const drop = buildTestDrop({ sequence: 12 });
    const client = createParkClient(central.url, token);
    const uploadId = await beginUpload(client, drop.zip, drop.fileName);
    const third = Math.floor(drop.zip.length / 3);
    const at = await sendChunkForm(client, uploadId, 0, drop.zip.subarray(0, third));
    expect(at.offset).toBe(third);
    await sendChunk(client, uploadId, third, drop.zip.subarray(third, 2 * third));
    await sendChunkForm(client, uploadId, 2 * third, drop.zip.subarray(2 * third));
    const result = await client.ingest.commit.mutate({ uploadId: uploadId });
    expect(result.status).toBe('stored');
    const { rows } = await env.pool.query('SELECT blob_path FROM batches WHERE id = $1', [
      result.batchId,
    ]);
    expect(sha(await readFile(rows[0].blob_path))).toBe(sha(drop.zip));
  });

  it('refuses a chunk at the wrong offset with CONFLICT and the stored end', async () => {
    const drop = buildTestDrop({ sequence: 5 });
    const client = createParkClient(central.url, token);
    const uploadId = await beginUpload(client, drop.zip, drop.fileName);
    await sendChunk(client, uploadId, 0, drop.zip.subarray(0, 1000));
    const err = await rejection(sendChunk(client, uploadId, 500, drop.zip.subarray(500, 1500)));
    expect(err.data?.code).toBe('CONFLICT');
    expect(err.message).toContain('central holds 1000 bytes');
    const { rows } = await env.pool.query('SELECT received_bytes FROM uploads WHERE id = $1', [
      uploadId,
    ]);
    expect(Number(rows[0].received_bytes)).toBe(1000);
  });

  it('quarantines a corrupt zip with the reason and never queues it', async () => {
    const drop = buildTestDrop({ sequence: 6 });
    const corrupt = Buffer.from(drop.zip);
    // Flip bytes in the middle: the archive's CRCs or structure no longer hold.
    for (let i = 200; i < 260; i++) corrupt.writeUInt8(corrupt.readUInt8(i) ^ 0xff, i);
    const client = createParkClient(central.url, token);
    const outbox = await count('outbox');
    const result = await uploadDrop(client, corrupt, drop.fileName);
    expect(result.status).toBe('quarantined');
    if (result.status !== 'quarantined') return;
    expect(result.code).toMatch(/zip_corrupt|hash_mismatch|entry_invalid|manifest_invalid/);
    expect(result.reason.length).toBeGreaterThan(10);
    const { rows } = await env.pool.query(
      'SELECT state, error_code, error FROM batches WHERE id = $1',
      [result.batchId],
    );
    expect(rows[0]).toEqual({
      state: 'quarantined',
      error_code: result.code,
      error: result.reason,
    });
    expect(await count('outbox')).toBe(outbox);
  });

  it('quarantines a drop whose manifest is invalid, naming the problem, and never queues it', async () => {
    const drop = buildTestDrop({ sequence: 7 });
    const badManifest = { ...drop.manifest, format: 'zamperla.plc/v0' };
    const zip = writeZip(
      [
        { path: 'manifest.json', content: Buffer.from(JSON.stringify(badManifest)) },
        ...drop.entries,
      ],
      { time: new Date('2026-06-01T10:00:00Z') },
    );
    const outbox = await count('outbox');
    const result = await uploadDrop(createParkClient(central.url, token), zip, drop.fileName);
    expect(result).toMatchObject({ status: 'quarantined', code: 'manifest_invalid' });
    expect(await count('outbox')).toBe(outbox);
  });

  it("quarantines a valid drop of another park sent with this park's token", async () => {
    const drop = buildTestDrop({ park: 'other-park', sequence: 8 });
    const result = await uploadDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
    expect(result).toMatchObject({ status: 'quarantined', code: 'park_mismatch' });
  });

  it('reports liveness, readiness and batch counts by state on /healthz, /readyz and /metrics', async () => {
    const health = await fetch(`${central.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await fetch(`${central.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true, database: 'reachable' });
    const metrics = await (await fetch(`${central.metricsUrl}/metrics`)).text();
    const stored = await env.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM batches WHERE state = 'stored'",
    );
    expect(metrics).toContain(`zra_batches{state="stored"} ${stored.rows[0]?.n}`);
    expect(metrics).toMatch(/zra_outbox_unpublished \d+/);
  });

  it('refuses a body larger than the chunk limit without touching the upload', async () => {
    const drop = buildTestDrop({ sequence: 10 });
    const client = createParkClient(central.url, token);
    const uploadId = await beginUpload(client, drop.zip, drop.fileName);
    const err = await rejection(sendChunk(client, uploadId, 0, new Uint8Array(10 * 1024 * 1024)));
    expect(err.data?.httpStatus).toBe(413);
    const { rows } = await env.pool.query('SELECT received_bytes FROM uploads WHERE id = $1', [
      uploadId,
    ]);
    expect(Number(rows[0].received_bytes)).toBe(0);
  });

  it('stores other content for the same ride, window and sequence as a revision that supersedes the first', async () => {
    const client = createParkClient(central.url, token);
    const first = buildTestDrop({ sequence: 11 });
    const revised = buildTestDrop({ sequence: 11, salt: 1 });
    expect(revised.fileName).toBe(first.fileName);
    const a = await uploadDrop(client, first.zip, first.fileName);
    const b = await uploadDrop(client, revised.zip, revised.fileName);
    expect(a.status).toBe('stored');
    expect(b.status).toBe('stored');
    const { rows } = await env.pool.query('SELECT superseded_by FROM batches WHERE id = $1', [
      a.batchId,
    ]);
    expect(rows[0].superseded_by).toBe(b.batchId);
  });
});
