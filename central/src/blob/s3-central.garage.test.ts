import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { verifyDrop } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { loadConfig, type CentralConfig } from '../config.ts';
import { inProcessChecker } from '../ingest/drop-verifier.ts';
import { deletePulledDrop, recheckPulledDrop } from '../pull/pulled-quarantine.ts';
import { reportStatus, requestReport } from '../reports/report-store.ts';
import { GARAGE_HOOK_TIMEOUT_MS, rawGarageClient } from '../testing/garage-store.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  putDrop,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startWorker, type RunningWorker } from '../worker/worker.ts';
import { createBlobStore } from './create-blob-store.ts';
import { startGarage, type GarageServer } from '../../../scripts/harness/garage.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

let garage: GarageServer;
let raw: S3Client;
let env: TestEnvironment;
let config: CentralConfig;
let central: RunningCentral;
let worker: RunningWorker;
let token: string;

beforeAll(async () => {
  garage = await startGarage('central');
  raw = rawGarageClient(garage);
  env = await createTestEnvironment('s3-central');
  // BLOB_STORE and S3_* as an operator sets them (the prod overlay's ConfigMap and Secret).
  const fromEnv = loadConfig({
    DATABASE_URL: env.config.databaseUrl,
    AMQP_URL: env.config.amqpUrl,
    BLOB_DIR: env.config.blobDir,
    BLOB_STORE: 's3',
    S3_ENDPOINT: garage.endpoint,
    S3_REGION: garage.region,
    S3_BUCKET: garage.bucket,
    S3_PREFIX: 'zamperla/',
    S3_ACCESS_KEY_ID: garage.accessKeyId,
    S3_SECRET_ACCESS_KEY: garage.secretAccessKey,
    S3_PART_MB: '5',
    S3_TIMEOUT_S: '10',
  });
  config = { ...env.config, blobStore: fromEnv.blobStore };
  central = await startCentral(config, { scheduler: false });
  worker = await startWorker(config);
  token = await createTestPark(env.pool);
}, GARAGE_HOOK_TIMEOUT_MS);

afterAll(async () => {
  await worker?.stop();
  await central?.close();
  await env?.cleanup();
  raw?.destroy();
  await garage?.destroy();
});

async function bucketKeys(): Promise<string[]> {
  const page = await raw.send(new ListObjectsV2Command({ Bucket: garage.bucket }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

describe('central (API and worker) with BLOB_STORE=s3 on Garage', () => {
  it('takes uploads into the bucket, processes them from it, and serves a report kept there', async () => {
    const client = createParkClient(central.url, token);
    // One drop in many chunks (promoted by streaming them into one object), one in a single
    // chunk (promoted by a server-side copy), one whole in one request (ingest.put).
    const many = buildTestDrop({ sequence: 1, cycles: 4, start: '2026-06-01T08:00:00Z' });
    const one = buildTestDrop({ sequence: 2, cycles: 2, start: '2026-06-01T09:00:00Z', salt: 1 });
    const whole = buildTestDrop({
      sequence: 3,
      cycles: 3,
      start: '2026-06-01T10:00:00Z',
      salt: 2,
    });
    const a = await uploadDrop(client, many.zip, many.fileName, 4096);
    const b = await uploadDrop(client, one.zip, one.fileName);
    const c = await putDrop(client, whole.zip, whole.fileName);
    if (a.status !== 'stored' || b.status !== 'stored' || c.status !== 'stored') {
      throw new Error('uploads not stored');
    }

    await waitFor(
      'the three batches to be processed',
      async () => {
        const r = await env.pool.query<{ state: string; error: string | null }>(
          'SELECT state, error FROM batches WHERE id = ANY($1::uuid[])',
          [[a.batchId, b.batchId, c.batchId]],
        );
        const failed = r.rows.find((row) => row.state === 'failed');
        if (failed) throw new Error(`a batch failed: ${failed.error}`);
        return r.rows.length === 3 && r.rows.every((row) => row.state === 'processed');
      },
      { timeoutMs: 60_000 },
    );
    const cycles = await env.pool.query<{ batch_id: string; n: number }>(
      'SELECT batch_id, count(*)::int AS n FROM cycles GROUP BY batch_id',
    );
    expect(new Map(cycles.rows.map((r) => [r.batch_id, r.n]))).toEqual(
      new Map([
        [a.batchId, 4],
        [b.batchId, 2],
        [c.batchId, 3],
      ]),
    );
    const batches = await env.pool.query<{ blob_path: string; sha256: string }>(
      'SELECT blob_path, sha256 FROM batches ORDER BY received_at',
    );
    for (const row of batches.rows) {
      expect(row.blob_path).toBe(
        `s3://${garage.bucket}/zamperla/blobs/${row.sha256.slice(0, 2)}/${row.sha256}.zip`,
      );
    }

    const reportId = await requestReport(env.pool, {
      park: 'test-park',
      ride: 'revolution-1',
      from: '2026-06-01T00:00:00Z',
      to: '2026-06-02T00:00:00Z',
    });
    const report = await waitFor(
      'the report',
      async () => {
        const s = await reportStatus(env.pool, reportId);
        if (s?.state === 'failed') throw new Error(`report failed: ${s.error}`);
        return s?.state === 'ready' ? s : null;
      },
      { timeoutMs: 60_000 },
    );
    expect(report.files?.pdf).toBe(`s3://${garage.bucket}/zamperla/reports/${reportId}/report.pdf`);
    // The park agent downloads it through the API, which reads it from the bucket.
    const res = await fetch(`${central.url}/files/reports/${reportId}/pdf`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(pdf.length);
    const local = join(env.config.blobDir, 'downloaded.pdf');
    await writeFile(local, pdf);
    const text = execFileSync('pdftotext', ['-layout', local, '-'], { encoding: 'utf8' });
    expect(text).toContain('revolution-1');
    expect(text).toMatch(/Cycles\s+9\b/);

    // Everything lives in the bucket: the drops and the report's three files, no upload left;
    // BLOB_DIR holds only its (empty) scratch folder.
    const keys = await bucketKeys();
    expect(keys.filter((k) => k.includes('/uploads/'))).toEqual([]);
    expect(keys.filter((k) => k.startsWith('zamperla/blobs/'))).toHaveLength(3);
    expect(keys.filter((k) => k.startsWith(`zamperla/reports/${reportId}/`))).toHaveLength(3);
    expect(
      (await readdir(env.config.blobDir)).filter((f) => f !== 'downloaded.pdf').sort(),
    ).toEqual(['tmp']);
    expect(await readdir(join(env.config.blobDir, 'tmp'))).toEqual([]);
  });

  it("checks again and deletes central pull's quarantined drops kept in the bucket", async () => {
    const store = createBlobStore(config.blobStore, config.blobDir);
    await store.init();
    await env.pool.query(
      "INSERT INTO rides (park_id, id, model, name) VALUES ('test-park', 'pulled-1', 'discovery-revolution', 'Pulled') ON CONFLICT DO NOTHING",
    );
    /** A valid drop central pull quarantined (its check then said the window was ahead). */
    const quarantined = async (sequence: number, hour: string): Promise<string> => {
      const drop = buildTestDrop({
        ride: 'pulled-1',
        sequence,
        start: `2026-06-02T${hour}:00:00Z`,
      });
      const local = join(config.blobDir, 'tmp', drop.fileName);
      await writeFile(local, drop.zip);
      const sha256 = createHash('sha256').update(drop.zip).digest('hex');
      const ref = await store.storeBlob(local, sha256);
      await rm(local);
      const r = await env.pool.query<{ id: string }>(
        `INSERT INTO batches (id, park_id, ride_id, sequence, sha256, bytes, file_name, blob_path,
                              state, error_code, error, source)
         VALUES (gen_random_uuid(), 'test-park', 'pulled-1', $1, $2, $3, $4, $5, 'quarantined',
                 'window_in_future',
                 'the window lies ahead of central''s clock', 'central')
         RETURNING id`,
        [sequence, sha256, drop.zip.length, drop.fileName, ref],
      );
      return r.rows[0]?.id ?? '';
    };
    const kept = await quarantined(21, '08');
    const dropped = await quarantined(22, '09');
    const before = await bucketKeys();

    // Checked again from the bucket (not "the stored file is gone"): stored like a new drop.
    expect(
      await recheckPulledDrop(env.pool, store, inProcessChecker(verifyDrop), kept),
    ).toMatchObject({ outcome: 'stored' });
    // Deleted: the row and the object go.
    const ref = (
      await env.pool.query<{ blob_path: string }>('SELECT blob_path FROM batches WHERE id = $1', [
        dropped,
      ])
    ).rows[0]?.blob_path;
    await deletePulledDrop(env.pool, store, inProcessChecker(verifyDrop), dropped);

    expect(await store.exists(ref ?? '')).toBe(false);
    expect((await bucketKeys()).length).toBe(before.length - 1);
    const rows = await env.pool.query('SELECT 1 FROM batches WHERE id = $1', [dropped]);
    expect(rows.rowCount).toBe(0);
  });
});
