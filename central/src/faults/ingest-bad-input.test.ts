import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyDrop } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { MAX_DROP_BYTES } from '../ingest/ingest-schemas.ts';
import { createPark, issueParkToken, revokeParkToken } from '../parks/park-store.ts';
import {
  createParkClient,
  createTestEnvironment,
  sendChunk,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop, type TestDrop } from '../testing/test-drop.ts';
import { trpcCode } from './agent-like-upload.ts';

// Wrong and revoked tokens (before an upload), a drop of another park sent with this park's token, a chunk at a
// stale offset and a 10 MiB chunk are proven in ingest/ingest-api.test.ts; a cross-park cursor
// in parks/park-reads.test.ts. This file adds what those leave out.

let env: TestEnvironment;
let central: RunningCentral;
const tokens = { a: '', b: '' };

beforeAll(async () => {
  env = await createTestEnvironment('fault-input');
  central = await startCentral(env.config, {
    publisher: false,
    scheduler: false,
    uploadSweeper: false,
  });
  tokens.a = (
    await createPark(env.pool, { id: 'park-a', name: 'A', timezone: 'Europe/Rome' })
  ).token;
  tokens.b = (
    await createPark(env.pool, { id: 'park-b', name: 'B', timezone: 'Europe/Rome' })
  ).token;
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const client = (park: 'a' | 'b') => createParkClient(central.url, tokens[park]);

function beginInput(drop: TestDrop, bytes = drop.zip.length) {
  const verdict = verifyDrop(drop.zip);
  if (!verdict.ok) throw new Error('test drop must be valid');
  return { sha256: sha(drop.zip), contentId: verdict.contentId, bytes, fileName: drop.fileName };
}

async function begun(park: 'a' | 'b', drop: TestDrop): Promise<string> {
  const b = await client(park).ingest.begin.mutate(beginInput(drop));
  if (b.status !== 'upload') throw new Error(`expected an upload, got ${b.status}`);
  return b.uploadId;
}

async function uploadRow(id: string): Promise<{ received: number; bytes: number } | undefined> {
  const r = await env.pool.query<{ received_bytes: string; bytes: string }>(
    'SELECT received_bytes, bytes FROM uploads WHERE id = $1',
    [id],
  );
  const row = r.rows[0];
  return row && { received: Number(row.received_bytes), bytes: Number(row.bytes) };
}

async function failure(
  p: Promise<unknown>,
): Promise<{ code: string | undefined; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected the call to be refused');
  return { code: trpcCode(err), message: err.message };
}

/** Every file under BLOB_DIR/blobs, relative paths. */
async function blobFiles(): Promise<string[]> {
  const root = join(env.config.blobDir, 'blobs');
  const out: string[] = [];
  for (const dir of await readdir(root)) {
    for (const f of await readdir(join(root, dir))) out.push(`${dir}/${f}`);
  }
  return out;
}

/** A raw POST to a tRPC procedure, as a misbehaving client would send it. */
async function post(
  procedure: string,
  body: string | FormData | Uint8Array,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const res = await fetch(`${central.url}/trpc/${procedure}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.a}`, ...headers },
    body,
  });
  const json = (await res.json()) as { error?: { message?: string; data?: { code?: string } } };
  return { status: res.status, code: json.error?.data?.code, message: json.error?.message ?? '' };
}

describe('ingest under bad input', () => {
  it("does not let park A's token continue, commit or discover park B's upload", async () => {
    const drop = buildTestDrop({ park: 'park-b', sequence: 1 });
    const uploadId = await begun('b', drop);
    const half = Math.floor(drop.zip.length / 2);
    await sendChunk(client('b'), uploadId, 0, drop.zip.subarray(0, half));

    const chunk = await failure(sendChunk(client('a'), uploadId, half, drop.zip.subarray(half)));
    expect(chunk.code).toBe('NOT_FOUND');
    const commit = await failure(client('a').ingest.commit.mutate({ uploadId }));
    expect(commit.code).toBe('NOT_FOUND');
    // B's upload is untouched, on disk and in the table, and B finishes it.
    expect(await uploadRow(uploadId)).toEqual({ received: half, bytes: drop.zip.length });
    expect((await stat(env.config.blobDir + `/uploads/${uploadId}.part`)).size).toBe(half);
    await sendChunk(client('b'), uploadId, half, drop.zip.subarray(half));
    const stored = await client('b').ingest.commit.mutate({ uploadId });
    expect(stored.status).toBe('stored');

    // A names B's exact drop: central must neither answer with B's batch nor resume B's bytes.
    const probe = await client('a').ingest.begin.mutate(beginInput(drop));
    expect(probe).toMatchObject({ status: 'upload', offset: 0 });
    if (probe.status === 'upload') expect(probe.uploadId).not.toBe(uploadId);
    const seenByA = await client('a').park.drops.query({ limit: 500 });
    expect(seenByA.drops.map((d) => d.batchId)).not.toContain(stored.batchId);
  });

  it("refuses a token revoked mid-upload at the next chunk; the park's new token resumes the same upload", async () => {
    const { token: old } = await createPark(env.pool, {
      id: 'park-c',
      name: 'C',
      timezone: 'Europe/Rome',
    });
    const drop = buildTestDrop({ park: 'park-c', sequence: 1 });
    const oldClient = createParkClient(central.url, old);
    const begun = await oldClient.ingest.begin.mutate(beginInput(drop));
    if (begun.status !== 'upload') throw new Error('expected an upload');
    const half = Math.floor(drop.zip.length / 2);
    await sendChunk(oldClient, begun.uploadId, 0, drop.zip.subarray(0, half));

    // Rotation: a new token is issued, the old one revoked while the agent is mid-upload.
    const fresh = await issueParkToken(env.pool, 'park-c');
    expect(await revokeParkToken(env.pool, old)).toBe(true);
    const refused = await failure(
      sendChunk(oldClient, begun.uploadId, half, drop.zip.subarray(half)),
    );
    expect(refused.code).toBe('UNAUTHORIZED');
    expect(await uploadRow(begun.uploadId)).toEqual({ received: half, bytes: drop.zip.length });

    // The upload belongs to the park, not to the token: the new token continues it.
    const freshClient = createParkClient(central.url, fresh);
    const resumed = await freshClient.ingest.begin.mutate(beginInput(drop));
    expect(resumed).toEqual({ status: 'upload', uploadId: begun.uploadId, offset: half });
    await sendChunk(freshClient, begun.uploadId, half, drop.zip.subarray(half));
    expect((await freshClient.ingest.commit.mutate({ uploadId: begun.uploadId })).status).toBe(
      'stored',
    );
  });

  it('refuses bytes that do not match the declared SHA-256 at commit, resets the upload, stores nothing; the right bytes then go through', async () => {
    const drop = buildTestDrop({ park: 'park-a', sequence: 2 });
    const tampered = Buffer.from(drop.zip);
    const middle = Math.floor(tampered.length / 2);
    tampered.writeUInt8(tampered.readUInt8(middle) ^ 0x01, middle);
    const uploadId = await begun('a', drop);
    const blobsBefore = await blobFiles();
    await sendChunk(client('a'), uploadId, 0, tampered);

    const refused = await failure(client('a').ingest.commit.mutate({ uploadId }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('do not match');
    expect(refused.message).toContain('from offset 0');
    expect(await uploadRow(uploadId)).toEqual({ received: 0, bytes: drop.zip.length });
    const batches = await env.pool.query('SELECT 1 FROM batches WHERE sha256 IN ($1, $2)', [
      sha(drop.zip),
      sha(tampered),
    ]);
    expect(batches.rows).toHaveLength(0);
    expect(await blobFiles()).toEqual(blobsBefore);

    const again = await client('a').ingest.begin.mutate(beginInput(drop));
    expect(again).toEqual({ status: 'upload', uploadId, offset: 0 });
    await sendChunk(client('a'), uploadId, 0, drop.zip);
    const stored = await client('a').ingest.commit.mutate({ uploadId });
    expect(stored.status).toBe('stored');
    const r = await env.pool.query<{ blob_path: string }>(
      'SELECT blob_path FROM batches WHERE id = $1',
      [stored.batchId],
    );
    expect(sha(await readFile(r.rows[0]?.blob_path ?? ''))).toBe(sha(drop.zip));
  });

  it('refuses chunks out of order, overlapping or past the declared size, and keeps exactly the bytes in order', async () => {
    const drop = buildTestDrop({ park: 'park-a', sequence: 3 });
    const zip = drop.zip;
    const uploadId = await begun('a', drop);
    const a = client('a');

    // A gap: the second chunk arrives before the first.
    const gap = await failure(sendChunk(a, uploadId, 500, zip.subarray(500, 1000)));
    expect(gap.code).toBe('CONFLICT');
    expect(gap.message).toContain('resume from offset 0');
    expect((await uploadRow(uploadId))?.received).toBe(0);

    // Five copies of the first chunk at once (a retry storm): one lands, the rest conflict.
    const storm = await Promise.allSettled(
      Array.from({ length: 5 }, () => sendChunk(a, uploadId, 0, zip.subarray(0, 500))),
    );
    expect(storm.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    for (const s of storm) {
      if (s.status === 'rejected') expect(trpcCode(s.reason)).toBe('CONFLICT');
    }
    expect((await uploadRow(uploadId))?.received).toBe(500);

    // Overlapping: starts inside what central holds.
    const overlap = await failure(sendChunk(a, uploadId, 250, zip.subarray(250, 900)));
    expect(overlap.code).toBe('CONFLICT');
    expect(overlap.message).toContain('central holds 500 bytes');

    // Past the declared size: the right offset, but more bytes than the file has.
    const tooLong = Buffer.concat([zip.subarray(500), Buffer.alloc(10)]);
    const past = await failure(sendChunk(a, uploadId, 500, tooLong));
    expect(past.code).toBe('BAD_REQUEST');
    expect(past.message).toContain(`past the declared size of ${zip.length} bytes`);
    expect((await uploadRow(uploadId))?.received).toBe(500);
    expect((await stat(join(env.config.blobDir, 'uploads', `${uploadId}.part`))).size).toBe(500);

    await sendChunk(a, uploadId, 500, zip.subarray(500));
    const stored = await a.ingest.commit.mutate({ uploadId });
    expect(stored.status).toBe('stored');
  });

  it('refuses oversized requests (413 or BAD_REQUEST naming the limit) and stays healthy', async () => {
    const drop = buildTestDrop({ park: 'park-a', sequence: 4 });
    // A drop over the 128 MiB limit is refused at begin, before a byte is sent.
    const huge = await failure(
      client('a').ingest.begin.mutate(beginInput(drop, MAX_DROP_BYTES + 1)),
    );
    expect(huge.code).toBe('BAD_REQUEST');
    expect(huge.message).toContain('bytes');

    // A 12 MiB JSON body (over the 9 MiB body limit) to a JSON procedure.
    const body = JSON.stringify({ ...beginInput(drop), fileName: 'x'.repeat(12 * 1024 * 1024) });
    const tooLarge = await post('ingest.begin', body);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.code).toBe('PAYLOAD_TOO_LARGE');

    // A chunk over the 8 MiB chunk limit that still fits the body limit: refused by the schema.
    const uploadId = await begun('a', drop);
    const bigChunk = await failure(
      sendChunk(client('a'), uploadId, 0, new Uint8Array(8 * 1024 * 1024 + 1)),
    );
    expect(bigChunk.code).toBe('BAD_REQUEST');
    expect(bigChunk.message).toContain('chunk must hold 1 to 8388608 bytes');
    expect((await uploadRow(uploadId))?.received).toBe(0);

    expect((await fetch(`${central.url}/healthz`)).status).toBe(200);
    const result = await uploadDrop(client('a'), drop.zip, drop.fileName);
    expect(result.status).toBe('stored');
  });

  it('answers malformed input with 400 naming the field', async () => {
    const drop = buildTestDrop({ park: 'park-a', sequence: 5 });
    const good = beginInput(drop);
    const cases: [string, string | FormData | Uint8Array, string, Record<string, string>?][] = [
      ['ingest.begin', JSON.stringify({ ...good, sha256: 'not-hex' }), 'sha256'],
      ['ingest.begin', JSON.stringify({ ...good, bytes: -5 }), 'bytes'],
      ['ingest.begin', JSON.stringify({ ...good, parkId: 'park-b' }), 'parkId'],
      ['ingest.begin', JSON.stringify({ sha256: good.sha256 }), 'contentId'],
      ['ingest.commit', JSON.stringify({ uploadId: 'not-a-uuid' }), 'uploadId'],
    ];
    const noChunk = new FormData();
    noChunk.set('uploadId', '00000000-0000-4000-8000-000000000000');
    noChunk.set('offset', '0');
    cases.push(['ingest.chunk', noChunk, 'chunk', {}]);
    const badOffset = new FormData();
    badOffset.set('uploadId', '00000000-0000-4000-8000-000000000000');
    badOffset.set('offset', 'twelve');
    badOffset.set('chunk', new Blob([new Uint8Array(3)]));
    cases.push(['ingest.chunk', badOffset, 'offset', {}]);
    // The plain-body chunk: its place is in two headers, its bytes are the body.
    const octet = { 'content-type': 'application/octet-stream' };
    const place = {
      'x-zra-upload-id': '00000000-0000-4000-8000-000000000000',
      'x-zra-offset': '0',
    };
    const bytes = new Uint8Array(3);
    cases.push(['ingest.chunkBytes', bytes, 'x-zra-upload-id', { ...octet, 'x-zra-offset': '0' }]);
    cases.push([
      'ingest.chunkBytes',
      bytes,
      'x-zra-offset',
      { ...octet, ...place, 'x-zra-offset': '-1' },
    ]);
    cases.push([
      'ingest.chunkBytes',
      bytes,
      'x-zra-offset',
      { ...octet, ...place, 'x-zra-offset': '1e3' },
    ]);
    cases.push(['ingest.chunkBytes', '', 'chunk must hold 1 to', { ...octet, ...place }]);

    for (const [procedure, body, field, headers] of cases) {
      const answer = await post(procedure, body, headers);
      expect({ procedure, field, status: answer.status, code: answer.code }).toEqual({
        procedure,
        field,
        status: 400,
        code: 'BAD_REQUEST',
      });
      expect(answer.message).toContain(field);
    }

    const notJson = await post('ingest.begin', '{"sha256": ');
    expect(notJson.status).toBe(400);
    expect(
      await env.pool.query('SELECT 1 FROM uploads WHERE file_name = $1', [drop.fileName]),
    ).toMatchObject({ rowCount: 0 });
  });
});
