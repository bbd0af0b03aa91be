import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { verifyDrop } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../blob/blob-store.ts';
import { BytePieces } from '../blob/byte-pieces.ts';
import { inProcessChecker } from '../ingest/drop-verifier.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { deletePulledDrop, recheckPulledDrop } from './pulled-quarantine.ts';

/*
 * Deleting a drop central pull quarantined removes its stored file only when no other batch
 * holds it. Files are named by their bytes' SHA-256, so a copy of one park's drop pulled from
 * another park's gateway (`park_mismatch`) shares the original's file.
 */

let env: TestEnvironment;
let blobs: BlobStore;
const check = inProcessChecker(verifyDrop);

beforeAll(async () => {
  env = await createTestEnvironment('pulled_quarantine');
  blobs = new BlobStore(env.config.blobDir);
  await blobs.init();
  await env.pool.query(
    `INSERT INTO parks (id, name, timezone) VALUES
       ('test-park', 'Test park', 'Europe/Rome'),
       ('other-park', 'Other park', 'Europe/Rome'),
       ('third-park', 'Third park', 'Europe/Rome')`,
  );
  await env.pool.query(
    `INSERT INTO rides (park_id, id, model, name)
     VALUES ('test-park', 'revolution-1', 'discovery-revolution', 'Revolution')`,
  );
});

afterAll(async () => {
  await env?.cleanup();
});

/** The file of these bytes in the blob store, as ingest leaves it. */
async function stored(zip: Buffer): Promise<{ sha256: string; ref: string }> {
  const sha256 = createHash('sha256').update(zip).digest('hex');
  return { sha256, ref: await blobs.storeBytes(new BytePieces([zip]), sha256) };
}

/** A drop central pull quarantined in `park`, holding the file `ref`. */
async function quarantinedCopy(
  park: string,
  file: { sha256: string; ref: string },
  code: string,
  named: { fileName: string; bytes: number } = { fileName: 'copy.zip', bytes: 1000 },
): Promise<string> {
  const r = await env.pool.query<{ id: string }>(
    `INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, state, error_code,
                          error, source)
     VALUES (gen_random_uuid(), $1, $2, $5, $6, $3, 'quarantined', $4, 'refused', 'central')
     RETURNING id`,
    [park, file.sha256, file.ref, code, named.bytes, named.fileName],
  );
  return r.rows[0]?.id ?? '';
}

const rowExists = async (id: string) =>
  ((await env.pool.query('SELECT 1 FROM batches WHERE id = $1', [id])).rowCount ?? 0) > 0;

describe('deleting a drop central pull quarantined', () => {
  it("keeps the file while the park its manifest names has the drop (a copy on another park's gateway)", async () => {
    const drop = buildTestDrop({ park: 'test-park', sequence: 1 });
    const verdict = verifyDrop(drop.zip);
    if (!verdict.ok) throw new Error(`the test drop is refused: ${verdict.reason}`);
    const file = await stored(drop.zip);
    await env.pool.query(
      `INSERT INTO batches (id, park_id, ride_id, sequence, window_start, window_end, sha256,
                            bytes, file_name, blob_path, state, content_id)
       VALUES (gen_random_uuid(), 'test-park', 'revolution-1', 1, $1, $2, $3, $4, $5, $6,
               'processed', $7)`,
      [
        verdict.manifest.window.start,
        verdict.manifest.window.end,
        file.sha256,
        drop.zip.length,
        drop.fileName,
        file.ref,
        verdict.contentId,
      ],
    );
    // Under another name, as a copy that lay on the wrong gateway may well be.
    const copy = await quarantinedCopy('other-park', file, 'park_mismatch');

    await deletePulledDrop(env.pool, blobs, check, copy);

    expect(await rowExists(copy)).toBe(false);
    expect(existsSync(file.ref)).toBe(true);
  });

  it('keeps the file while another quarantined copy holds it, and removes it with the last', async () => {
    const drop = buildTestDrop({ park: 'test-park', sequence: 2 });
    const file = await stored(drop.zip);
    const first = await quarantinedCopy('other-park', file, 'park_mismatch');
    const second = await quarantinedCopy('third-park', file, 'park_mismatch');

    await deletePulledDrop(env.pool, blobs, check, first);
    expect(existsSync(file.ref)).toBe(true);

    await deletePulledDrop(env.pool, blobs, check, second);
    expect(await rowExists(second)).toBe(false);
    expect(existsSync(file.ref)).toBe(false);
  });

  it('removes the file of bytes that are no drop at all', async () => {
    const file = await stored(Buffer.from('not a zip, and nobody else has it'));
    const corrupt = await quarantinedCopy('other-park', file, 'zip_corrupt');

    await deletePulledDrop(env.pool, blobs, check, corrupt);

    expect(await rowExists(corrupt)).toBe(false);
    expect(existsSync(file.ref)).toBe(false);
  });

  it('keeps the file while a drop of the same park that failed its full check holds the same bytes', async () => {
    // The park app sent the bytes of a copy pull had quarantined; its commit took them and the
    // job's full check refused them: with a quarantined copy already there it ended `failed`
    // (commit-drop.ts, refuseStoredDrop), still holding the file.
    const file = await stored(Buffer.from('passed the outline, failed the full check'));
    const copy = await quarantinedCopy('other-park', file, 'ride_mismatch');
    await env.pool.query(
      `INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, state, content_id,
                            error_code, error)
       VALUES (gen_random_uuid(), 'other-park', $1, 1000, 'sent.zip', $2, 'failed', 'c-sent',
               'zip_corrupt', 'refused by the full check')`,
      [file.sha256, file.ref],
    );

    await deletePulledDrop(env.pool, blobs, check, copy);

    expect(await rowExists(copy)).toBe(false);
    expect(existsSync(file.ref)).toBe(true);
  });

  it('deletes the record of a drop whose file is gone already', async () => {
    const file = await stored(Buffer.from('removed by hand'));
    const lost = await quarantinedCopy('other-park', file, 'zip_corrupt');
    await blobs.remove(file.ref);

    await deletePulledDrop(env.pool, blobs, check, lost);

    expect(await rowExists(lost)).toBe(false);
  });
});

describe('checking again a drop central pull quarantined', () => {
  it('points the gateway file records at the drop it became: the quarantined one as stored, a second copy still a duplicate', async () => {
    // Refused when its window had not begun by central's clock; valid now.
    const drop = buildTestDrop({ park: 'test-park', sequence: 9, start: '2026-06-02T10:00:00Z' });
    const file = await stored(drop.zip);
    const quarantined = await quarantinedCopy('test-park', file, 'window_in_future', {
      fileName: drop.fileName,
      bytes: drop.zip.length,
    });
    await env.pool.query(
      `INSERT INTO pulled_files (park_id, ride_id, name, size, mtime_ms, sha256, batch_id, outcome)
       VALUES ('test-park', 'revolution-1', $1, $2, 1, $3, $4, 'quarantined'),
              ('test-park', 'revolution-1', 'copy-of-it.zip', $2, 2, $3, $4, 'duplicate')`,
      [drop.fileName, drop.zip.length, file.sha256, quarantined],
    );

    const rechecked = await recheckPulledDrop(env.pool, blobs, check, quarantined);

    expect(rechecked.outcome).toBe('stored');
    expect(await rowExists(quarantined)).toBe(false);
    const records = await env.pool.query<{ name: string; batch_id: string; outcome: string }>(
      `SELECT name, batch_id, outcome FROM pulled_files WHERE sha256 = $1 ORDER BY mtime_ms`,
      [file.sha256],
    );
    expect(records.rows).toEqual([
      { name: drop.fileName, batch_id: rechecked.batchId, outcome: 'stored' },
      { name: 'copy-of-it.zip', batch_id: rechecked.batchId, outcome: 'duplicate' },
    ]);
  });
});
