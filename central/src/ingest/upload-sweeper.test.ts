import { createHash, randomUUID } from 'node:crypto';
import { access, utimes, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemBlobStore } from '../blob/filesystem-blob-store.ts';
import { startCentral, type RunningCentral } from '../central.ts';
import { DEFAULT_TIMEOUTS } from '../config.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import {
  createParkClient,
  createTestEnvironment,
  sendChunk,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { orphanUploadAgeMs, sweepAbandonedUploads } from './upload-sweeper.ts';

let env: TestEnvironment;
let central: RunningCentral;
let client: ReturnType<typeof createParkClient>;
let blobs: FilesystemBlobStore;
const DAY = 24 * 3_600_000;
const MINUTE = 60_000;
const LIMITS = { idleMs: DAY, orphanMs: orphanUploadAgeMs(DEFAULT_TIMEOUTS, DAY) };
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

    const result = await sweepAbandonedUploads(env.pool, blobs, LIMITS, log);
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
      const result = await sweepAbandonedUploads(env.pool, blobs, LIMITS, log);
      expect(result.uploads).toBe(0);
      await holder.query('ROLLBACK');
    } finally {
      holder.release();
    }
    expect(await exists(blobs.uploadPath(busy.uploadId))).toBe(true);
    expect((await sweepAbandonedUploads(env.pool, blobs, LIMITS, log)).uploads).toBe(1);
  });

  it('removes temp files with no upload row within minutes, not after the idle limit; a begun upload keeps its file however old', async () => {
    expect(LIMITS.orphanMs).toBe(5 * MINUTE);
    const orphan = blobs.uploadPath(randomUUID());
    const young = blobs.uploadPath(randomUUID());
    const begun = await startUpload(4);
    await writeFile(orphan, 'left by a commit whose answer was lost');
    await writeFile(young, 'a begin before its row');
    const ago = (ms: number) => new Date(Date.now() - ms);
    await utimes(orphan, ago(6 * MINUTE), ago(6 * MINUTE));
    await utimes(young, ago(4 * MINUTE), ago(4 * MINUTE));
    await utimes(blobs.uploadPath(begun.uploadId), ago(DAY / 2), ago(DAY / 2));

    const result = await sweepAbandonedUploads(env.pool, blobs, LIMITS, log);
    expect(result.orphanFiles).toBe(1);
    expect(await exists(orphan)).toBe(false);
    expect(await exists(young)).toBe(true);
    expect(await exists(blobs.uploadPath(begun.uploadId))).toBe(true);
  });

  it('waits for a begin as long as its statement may take, and never past the idle limit', () => {
    const slow = { ...DEFAULT_TIMEOUTS, dbConnectMs: 30_000, dbQueryMs: 605_000 };
    expect(orphanUploadAgeMs(slow, DAY)).toBe(2 * 635_000);
    expect(orphanUploadAgeMs(DEFAULT_TIMEOUTS, 3 * MINUTE)).toBe(3 * MINUTE);
  });
});
