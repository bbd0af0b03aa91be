import { createHash, randomUUID } from 'node:crypto';
import { access, utimes, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemBlobStore } from '../blob/filesystem-blob-store.ts';
import { startCentral, type RunningCentral } from '../central.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import {
  createParkClient,
  createTestEnvironment,
  sendChunk,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { sweepAbandonedUploads } from './upload-sweeper.ts';

let env: TestEnvironment;
let central: RunningCentral;
let client: ReturnType<typeof createParkClient>;
let blobs: FilesystemBlobStore;
const DAY = 24 * 3_600_000;
const log = createLogger('silent');

beforeAll(async () => {
  env = await createTestEnvironment('sweeper');
  central = await startCentral(env.config, { publisher: false, uploadSweeper: false });
  const { token } = await createPark(env.pool, {
    id: 'sweep-park',
    name: 'Sweep Park',
    timezone: 'Europe/Rome',
  });
  client = createParkClient(central.url, token);
  blobs = new FilesystemBlobStore(env.config.blobDir);
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

/** Begins an upload of a fresh drop and sends its first 100 bytes. */
async function startUpload(sequence: number) {
  const drop = buildTestDrop({ park: 'sweep-park', sequence });
  const sha256 = createHash('sha256').update(drop.zip).digest('hex');
  const begin = () =>
    client.ingest.begin.mutate({
      sha256,
      contentId: sha256,
      bytes: drop.zip.length,
      fileName: drop.fileName,
    });
  const begun = await begin();
  if (begun.status !== 'upload') throw new Error(`expected a new upload, got ${begun.status}`);
  await sendChunk(client, begun.uploadId, 0, drop.zip.subarray(0, 100));
  return { uploadId: begun.uploadId, begin };
}

async function idleFor(uploadId: string, ms: number) {
  await env.pool.query(
    "UPDATE uploads SET updated_at = now() - $2::float8 * interval '1 millisecond' WHERE id = $1",
    [uploadId, ms],
  );
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('abandoned upload sweeper', () => {
  it('deletes uploads idle past the limit (row and temp file) and keeps recent ones', async () => {
    const old = await startUpload(1);
    const fresh = await startUpload(2);
    await idleFor(old.uploadId, 2 * DAY);
    await idleFor(fresh.uploadId, DAY / 2);

    const result = await sweepAbandonedUploads(env.pool, blobs, DAY, log);
    expect(result.uploads).toBe(1);
    const rows = await env.pool.query<{ id: string }>('SELECT id FROM uploads');
    expect(rows.rows.map((r) => r.id)).toEqual([fresh.uploadId]);
    expect(await exists(blobs.uploadPath(old.uploadId))).toBe(false);
    expect(await exists(blobs.uploadPath(fresh.uploadId))).toBe(true);

    // The agent that comes back starts that upload again from byte 0.
    const again = await old.begin();
    expect(again).toMatchObject({ status: 'upload', offset: 0 });
  });

  it('skips an upload whose chunk holds the row lock at that moment', async () => {
    const busy = await startUpload(3);
    await idleFor(busy.uploadId, 2 * DAY);
    const holder = await env.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM uploads WHERE id = $1 FOR UPDATE', [busy.uploadId]);
      const result = await sweepAbandonedUploads(env.pool, blobs, DAY, log);
      expect(result.uploads).toBe(0);
      await holder.query('ROLLBACK');
    } finally {
      holder.release();
    }
    expect(await exists(blobs.uploadPath(busy.uploadId))).toBe(true);
    expect((await sweepAbandonedUploads(env.pool, blobs, DAY, log)).uploads).toBe(1);
  });

  it('removes old temp files that have no upload row, and leaves young ones', async () => {
    const oldOrphan = blobs.uploadPath(randomUUID());
    const youngOrphan = blobs.uploadPath(randomUUID());
    await writeFile(oldOrphan, 'stray bytes');
    await writeFile(youngOrphan, 'being created');
    const twoDaysAgo = new Date(Date.now() - 2 * DAY);
    await utimes(oldOrphan, twoDaysAgo, twoDaysAgo);

    const result = await sweepAbandonedUploads(env.pool, blobs, DAY, log);
    expect(result.orphanFiles).toBe(1);
    expect(await exists(oldOrphan)).toBe(false);
    expect(await exists(youngOrphan)).toBe(true);
  });
});
