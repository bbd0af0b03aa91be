import { createHash } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyDrop, writeDropZip } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import {
  createParkClient,
  beginUpload,
  createTestEnvironment,
  createTestPark,
  sendChunk,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { trpcCode, uploadLikeAgent } from './agent-like-upload.ts';

let env: TestEnvironment;
let central: RunningCentral;
let token: string;

beforeAll(async () => {
  env = await createTestEnvironment('fault-concurrent');
  central = await startCentral(env.config, {
    publisher: false,
    scheduler: false,
    uploadSweeper: false,
  });
  token = await createTestPark(env.pool);
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

/** Rows and files one drop left behind: must be exactly one batch and one outbox row. */
async function footprint(contentId: string) {
  const batches = await env.pool.query<{ id: string; sha256: string }>(
    'SELECT id, sha256 FROM batches WHERE content_id = $1',
    [contentId],
  );
  const outbox = await env.pool.query('SELECT 1 FROM outbox WHERE message_id = ANY($1::text[])', [
    batches.rows.map((b) => b.id),
  ]);
  return { batches: batches.rows, outboxRows: outbox.rowCount };
}

describe('the same drop uploaded twice at once', () => {
  // Several rounds with small chunks, so the two callers interleave differently each time.
  it('ends in one batch and one outbox row; both callers get its id, one of them as duplicate', async () => {
    for (let round = 1; round <= 6; round++) {
      const drop = buildTestDrop({ sequence: round, cycles: 2 });
      const [x, y] = await Promise.all([
        uploadLikeAgent(createParkClient(central.url, token), drop.zip, drop.fileName, 256),
        uploadLikeAgent(createParkClient(central.url, token), drop.zip, drop.fileName, 256),
      ]);
      const { batches, outboxRows } = await footprint(contentIdOf(drop.zip));
      expect(batches).toHaveLength(1);
      expect(outboxRows).toBe(1);
      const batchId = batches[0]?.id;
      expect(x.batchId).toBe(batchId);
      expect(y.batchId).toBe(batchId);
      expect([x.status, y.status].sort()).toEqual(['duplicate', 'stored']);
    }
  });

  it('the same content zipped two ways, sent at once: one batch, the other caller told duplicate', async () => {
    for (let round = 1; round <= 4; round++) {
      const drop = buildTestDrop({ sequence: 100 + round, cycles: 2 });
      const other = writeDropZip(drop.header, drop.entries, { level: 0 });
      expect(sha(other.zip)).not.toBe(sha(drop.zip));
      const [x, y] = await Promise.all([
        uploadLikeAgent(createParkClient(central.url, token), drop.zip, drop.fileName, 256),
        uploadLikeAgent(createParkClient(central.url, token), other.zip, other.fileName, 256),
      ]);
      const { batches, outboxRows } = await footprint(contentIdOf(drop.zip));
      expect(batches).toHaveLength(1);
      expect(outboxRows).toBe(1);
      expect(x.batchId).toBe(batches[0]?.id);
      expect(y.batchId).toBe(batches[0]?.id);
      expect([x.status, y.status].sort()).toEqual(['duplicate', 'stored']);
    }
  });

  it('answers a commit whose upload another commit just finished with NOT_FOUND and "call begin again", not an internal error', async () => {
    const drop = buildTestDrop({ sequence: 200, cycles: 2 });
    const client = createParkClient(central.url, token);
    const uploadId = await beginUpload(client, drop.zip, drop.fileName);
    await sendChunk(client, uploadId, 0, drop.zip);
    // What the winner of a race leaves the other caller between its completeness check and
    // its first read of the bytes: the row still there, the upload's file already removed.
    const row = await env.pool.query<{ temp_path: string }>(
      'SELECT temp_path FROM uploads WHERE id = $1',
      [uploadId],
    );
    await rm(row.rows[0]?.temp_path ?? '');

    const err = await client.ingest.commit.mutate({ uploadId: uploadId }).then(
      () => null,
      (e: unknown) => e,
    );
    // The row the winner would have removed with its file (the last test checks none is left).
    await env.pool.query('DELETE FROM uploads WHERE id = $1', [uploadId]);

    expect(trpcCode(err)).toBe('NOT_FOUND');
    expect((err as Error).message).toContain('call begin again');
  });

  it('a chunk sent twice at once (a retry meeting its first try) moves the upload once; the other copy is told where it stands', async () => {
    const drop = buildTestDrop({ sequence: 201, cycles: 6 });
    const client = createParkClient(central.url, token);
    const uploadId = await beginUpload(client, drop.zip, drop.fileName);
    const half = Math.floor(drop.zip.length / 2);
    const first = drop.zip.subarray(0, half);
    const tries = await Promise.allSettled(
      [1, 2, 3].map(() => sendChunk(client, uploadId, 0, first)),
    );
    const taken = tries.filter((t) => t.status === 'fulfilled');
    expect(taken.map((t) => t.value)).toEqual([{ offset: half }]);
    for (const t of tries) {
      if (t.status === 'fulfilled') continue;
      expect(trpcCode(t.reason)).toBe('CONFLICT');
      expect((t.reason as Error).message).toContain(`resume from offset ${half}`);
    }
    await sendChunk(client, uploadId, half, drop.zip.subarray(half));
    // A copy of the first chunk that arrives late is refused and changes nothing.
    expect(trpcCode(await sendChunk(client, uploadId, 0, first).catch((e: unknown) => e))).toBe(
      'CONFLICT',
    );
    const committed = await client.ingest.commit.mutate({ uploadId: uploadId });
    expect(committed.status).toBe('stored');
    const { rows } = await env.pool.query<{ blob_path: string }>(
      'SELECT blob_path FROM batches WHERE id = $1',
      [committed.batchId],
    );
    expect(sha(await readFile(rows[0]?.blob_path ?? ''))).toBe(sha(drop.zip));
  });

  it('leaves no upload rows, no partial files, no blob temp files, and every batch its blob', async () => {
    const uploads = await env.pool.query('SELECT id FROM uploads');
    expect(uploads.rows).toEqual([]);
    expect(await listFiles(join(env.config.blobDir, 'uploads'))).toEqual([]);
    const blobs = await listFiles(join(env.config.blobDir, 'blobs'));
    expect(blobs.filter((f) => !f.endsWith('.zip'))).toEqual([]);
    // Every batch's blob is there, once: the loser of a same-bytes race wrote the same name.
    const stored = await env.pool.query<{ blob_path: string }>('SELECT blob_path FROM batches');
    for (const { blob_path } of stored.rows) expect(blobs).toContain(blob_path);
    expect(new Set(blobs).size).toBe(blobs.length);
  });
});

function contentIdOf(zip: Buffer): string {
  const v = verifyDrop(zip);
  if (!v.ok) throw new Error('test drop must be valid');
  return v.contentId;
}
