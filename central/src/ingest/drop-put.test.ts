import { createHash } from 'node:crypto';
import http from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TRPCClientError } from '@trpc/client';
import {
  DROP_PUT_PATH,
  PUT_PATH_RECHECK_MS,
  dropPutHeaders,
  verifyDrop,
  writeDropZip,
} from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpProxy } from '../../../scripts/harness/http-proxy.ts';
import { startCentral, type RunningCentral } from '../central.ts';
import { createPark, revokeParkToken } from '../parks/park-store.ts';
import { buildTestDrop, type TestDrop } from '../testing/test-drop.ts';
import {
  beginInputOf,
  createParkClient,
  createTestEnvironment,
  createTestPark,
  putDrop,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { MAX_BODY_BYTES } from '../server/http-server.ts';
import { UNRECOGNISED_TOKEN_MESSAGE } from '../server/park-bearer.ts';
import { MAX_PUT_BYTES } from './ingest-schemas.ts';

let env: TestEnvironment;
let central: RunningCentral;
let token: string;

beforeAll(async () => {
  env = await createTestEnvironment('drop_put');
  // No publisher: these tests look at what the put wrote, before anything is queued.
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

/**
 * Files a put may have left behind, whatever it answered: in the upload area (a put has no
 * upload), half-written blobs, and scratch copies of the full check. None, ever.
 */
async function uploadFiles(): Promise<string[]> {
  const root = env.config.blobDir;
  const blobs = await readdir(join(root, 'blobs'), { recursive: true });
  return [
    ...(await readdir(join(root, 'uploads'))),
    ...blobs.filter((name) => name.endsWith('.tmp')),
    ...(await readdir(join(root, 'tmp'))),
  ];
}

async function refusal(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCClientError);
  const e = err as TRPCClientError<never>;
  return { code: (e.data as { code?: string } | undefined)?.code, message: e.message };
}

/** Where a put can be sent: central's plain path (what agents use) and the tRPC call. */
const PUT_PATHS = [DROP_PUT_PATH, '/trpc/ingest.put'];

/** A put sent by hand: any headers, any body. */
async function rawPut(headers: Record<string, string>, body: Uint8Array, path = DROP_PUT_PATH) {
  const r = await fetch(`${central.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/octet-stream',
      ...headers,
    },
    body,
  });
  const answer = (await r.json()) as { error?: { message: string } };
  return { status: r.status, message: answer.error?.message ?? '' };
}

describe('a whole drop in one request (ingest.put)', () => {
  it('stores a valid drop: blob on disk, one batch, one outbox row, no upload row or file left', async () => {
    const drop = buildTestDrop({ sequence: 1 });
    const client = createParkClient(central.url, token);

    const result = await putDrop(client, drop.zip, drop.fileName);

    expect(result.status).toBe('stored');
    const { rows } = await env.pool.query(
      'SELECT state, sha256, bytes, file_name, blob_path, ride_id FROM batches WHERE id = $1',
      [result.batchId],
    );
    expect(rows[0]).toMatchObject({
      state: 'stored',
      sha256: sha(drop.zip),
      file_name: drop.fileName,
      ride_id: 'revolution-1',
    });
    expect(Number(rows[0].bytes)).toBe(drop.zip.length);
    expect(sha(await readFile(rows[0].blob_path))).toBe(sha(drop.zip));
    const outbox = await env.pool.query('SELECT queue, message FROM outbox WHERE message_id = $1', [
      result.batchId,
    ]);
    expect(outbox.rows).toEqual([{ queue: 'postprocess', message: { batchId: result.batchId } }]);
    expect(await count('uploads')).toBe(0);
    expect(await uploadFiles()).toEqual([]);
  });

  it('answers duplicate for the same bytes, or the same content zipped again, whichever way it came first', async () => {
    const client = createParkClient(central.url, token);
    const chunked = buildTestDrop({ sequence: 2 });
    const first = await uploadDrop(client, chunked.zip, chunked.fileName, 1000);
    const put = buildTestDrop({ sequence: 3 });
    const second = await putDrop(client, put.zip, put.fileName);
    const batches = await count('batches');
    const outbox = await count('outbox');

    expect(await putDrop(client, chunked.zip, chunked.fileName)).toEqual({
      status: 'duplicate',
      batchId: first.batchId,
    });
    const rezipped = writeDropZip(put.header, put.entries, { level: 0 });
    expect(rezipped.zip.equals(put.zip)).toBe(false);
    expect(await putDrop(client, rezipped.zip, rezipped.fileName)).toEqual({
      status: 'duplicate',
      batchId: second.batchId,
    });
    // A chunked upload of a drop that came whole is told at begin.
    expect(await client.ingest.begin.mutate(beginInputOf(put.zip, put.fileName))).toEqual({
      status: 'duplicate',
      batchId: second.batchId,
    });
    expect(await count('batches')).toBe(batches);
    expect(await count('outbox')).toBe(outbox);
    expect(await uploadFiles()).toEqual([]);
  });

  it("judges a drop by its own manifest when its header names another drop's content: stored as itself, the other untouched", async () => {
    const client = createParkClient(central.url, token);
    const first = buildTestDrop({ sequence: 20 });
    const stored = await putDrop(client, first.zip, first.fileName);
    const firstContent = beginInputOf(first.zip, first.fileName).contentId;
    const second = buildTestDrop({ sequence: 21 });
    const secondContent = beginInputOf(second.zip, second.fileName).contentId;

    const result = await putDrop(client, second.zip, second.fileName, { contentId: firstContent });

    expect(result.status).toBe('stored');
    expect(result.batchId).not.toBe(stored.batchId);
    const { rows } = await env.pool.query<{ id: string; content_id: string; state: string }>(
      'SELECT id, content_id, state FROM batches WHERE id = ANY($1) ORDER BY content_id = $2 DESC',
      [[stored.batchId, result.batchId], firstContent],
    );
    expect(rows).toEqual([
      { id: stored.batchId, content_id: firstContent, state: 'stored' },
      { id: result.batchId, content_id: secondContent, state: 'stored' },
    ]);
    expect(await uploadFiles()).toEqual([]);
  });

  it("quarantines a corrupt zip with shared's verdict and never queues it", async () => {
    const drop = buildTestDrop({ sequence: 4 });
    const corrupt = Buffer.from(drop.zip);
    for (let i = 200; i < 260; i++) corrupt.writeUInt8(corrupt.readUInt8(i) ^ 0xff, i);
    const expected = verifyDrop(corrupt, { fileName: drop.fileName });
    if (expected.ok) throw new Error('the damaged zip should fail verifyDrop');
    const outbox = await count('outbox');

    const result = await putDrop(createParkClient(central.url, token), corrupt, drop.fileName);

    expect(result).toEqual({
      status: 'quarantined',
      batchId: expect.any(String) as string,
      code: expected.code,
      reason: expected.reason,
    });
    expect(await count('outbox')).toBe(outbox);
    expect(await uploadFiles()).toEqual([]);
  });

  it('refuses bytes that are not the declared file, and stores nothing', async () => {
    const drop = buildTestDrop({ sequence: 5 });
    const other = buildTestDrop({ sequence: 6 });
    const batches = await count('batches');

    const err = await refusal(
      putDrop(createParkClient(central.url, token), other.zip, drop.fileName, {
        sha256: sha(drop.zip),
        bytes: other.zip.length,
      }),
    );

    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain(`expected ${sha(drop.zip)}`);
    expect(err.message).toMatch(/nothing was stored, send it again/);
    expect(await count('batches')).toBe(batches);
    expect(await uploadFiles()).toEqual([]);
  });

  it.each(PUT_PATHS)(
    '%s refuses a body whose length is not the declared size, missing headers, and a drop too large for one request, naming the fix',
    async (path) => {
      const drop = buildTestDrop({ sequence: path === DROP_PUT_PATH ? 7 : 17 });
      const declared = dropPutHeaders({ ...beginInputOf(drop.zip, drop.fileName) });
      const batches = await count('batches');

      const short = await rawPut(declared, drop.zip.subarray(0, drop.zip.length - 10), path);
      expect(short.status).toBe(400);
      expect(short.message).toContain(`the body holds ${drop.zip.length - 10} bytes`);

      const noSha = Object.fromEntries(
        Object.entries(declared).filter(([name]) => name !== 'x-zra-sha256'),
      );
      const missing = await rawPut(noSha, drop.zip, path);
      expect(missing.status).toBe(400);
      expect(missing.message).toContain("x-zra-sha256 must be the drop's SHA-256");

      const large = await rawPut(
        { ...declared, 'x-zra-bytes': String(MAX_PUT_BYTES + 1) },
        drop.zip,
        path,
      );
      expect(large.status).toBe(400);
      expect(large.message).toMatch(/larger than one request takes .*send it in chunks/);

      const badName = await rawPut({ ...declared, 'x-zra-file-name': '%E0%A4%A' }, drop.zip, path);
      expect(badName.status).toBe(400);
      expect(badName.message).toContain('x-zra-file-name is not valid percent-encoding');

      expect(await count('batches')).toBe(batches);
      expect(await uploadFiles()).toEqual([]);
      // Nothing was harmed: the same drop, sent properly, is stored.
      expect((await rawPut(declared, drop.zip, path)).status).toBe(200);
    },
  );

  it('keeps a file name that is not ASCII through its percent-encoded header', async () => {
    const drop = buildTestDrop({ sequence: 8 });
    const fileName = `città-${drop.fileName}`;

    const result = await putDrop(createParkClient(central.url, token), drop.zip, fileName);

    // The name is not the one the manifest implies: quarantined, under the name it was sent as.
    expect(result).toMatchObject({ status: 'quarantined', code: 'name_mismatch' });
    const { rows } = await env.pool.query('SELECT file_name FROM batches WHERE id = $1', [
      result.batchId,
    ]);
    expect(rows[0].file_name).toBe(fileName);
  });

  it.each(PUT_PATHS)(
    '%s stores nothing and leaves no file when the connection is cut halfway through the body',
    async (path) => {
      const drop = buildTestDrop({ sequence: path === DROP_PUT_PATH ? 9 : 19 });
      const url = new URL(central.url);
      const batches = await count('batches');
      await new Promise<void>((resolve) => {
        const req = http.request({
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/octet-stream',
            'content-length': String(drop.zip.length),
            ...dropPutHeaders(beginInputOf(drop.zip, drop.fileName)),
          },
        });
        req.on('error', () => resolve());
        req.write(drop.zip.subarray(0, Math.floor(drop.zip.length / 2)), () => {
          // Give central time to read what came, then cut the connection.
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 200);
        });
      });
      // Central notices the cut and gives up on the request; then the same put succeeds.
      await new Promise((r) => setTimeout(r, 300));
      expect(await count('batches')).toBe(batches);
      expect(await uploadFiles()).toEqual([]);
      const again = await putDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
      expect(again.status).toBe('stored');
    },
  );

  it('costs three calls of the park token rate limit: the calls of begin, one chunk and commit', async () => {
    const limited = await startCentral(
      { ...env.config, ingestRateLimit: { perSecond: 0.01, burst: 4 } },
      { publisher: false, scheduler: false, uploadSweeper: false, stuckJobSweeper: false },
    );
    try {
      const { token: parkToken } = await createPark(env.pool, {
        id: 'limited-park',
        name: 'Limited Park',
        timezone: 'Europe/Rome',
      });
      const client = createParkClient(limited.url, parkToken);
      const first = buildTestDrop({ park: 'limited-park', sequence: 1 });
      const second = buildTestDrop({ park: 'limited-park', sequence: 2 });

      expect((await putDrop(client, first.zip, first.fileName)).status).toBe('stored');
      // One call is left: not enough for a second put.
      const err = await refusal(putDrop(client, second.zip, second.fileName));
      expect(err.code).toBe('TOO_MANY_REQUESTS');
      expect(
        await env.pool.query('SELECT 1 FROM batches WHERE sha256 = $1', [sha(second.zip)]),
      ).toMatchObject({ rowCount: 0 });
    } finally {
      await limited.close();
    }
  });

  it('POST /ingest/put answers as the tRPC call: an unknown token is refused with its fix, a wait comes with retry-after', async () => {
    const drop = buildTestDrop({ sequence: 30 });
    const declared = dropPutHeaders(beginInputOf(drop.zip, drop.fileName));

    const unknown = await refusal(
      putDrop(createParkClient(central.url, 'not-a-token'), drop.zip, drop.fileName),
    );
    expect(unknown).toEqual({ code: 'UNAUTHORIZED', message: UNRECOGNISED_TOKEN_MESSAGE });

    const limited = await startCentral(
      { ...env.config, ingestRateLimit: { perSecond: 0.01, burst: 6 } },
      { publisher: false, scheduler: false, uploadSweeper: false, stuckJobSweeper: false },
    );
    try {
      const send = (headers = declared) =>
        fetch(`${limited.url}${DROP_PUT_PATH}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, ...headers },
          body: drop.zip,
        });
      // A put whose headers are wrong costs its three calls too.
      const noSha = Object.fromEntries(
        Object.entries(declared).filter(([name]) => name !== 'x-zra-sha256'),
      );
      expect((await send(noSha)).status).toBe(400);
      expect((await send()).status).toBe(200);
      const refused = await send();
      expect(refused.status).toBe(429);
      const wait = Number(refused.headers.get('retry-after'));
      expect(wait).toBeGreaterThan(0);
      const answer = (await refused.json()) as { error: { data: Record<string, unknown> } };
      expect(answer.error.data).toMatchObject({
        code: 'TOO_MANY_REQUESTS',
        httpStatus: 429,
        path: 'ingest.put',
        retryAfterS: wait,
      });
    } finally {
      await limited.close();
    }
  });

  it('POST /ingest/put refuses a revoked token and a disabled park at once, and stamps a token in use', async () => {
    const { token: parkToken } = await createPark(env.pool, {
      id: 'put-park',
      name: 'Put Park',
      timezone: 'Europe/Rome',
    });
    const lastUsed = async () =>
      (
        await env.pool.query<{ at: Date | null }>(
          'SELECT last_used_at AS at FROM park_tokens WHERE park_id = $1',
          ['put-park'],
        )
      ).rows[0]?.at;
    const client = createParkClient(central.url, parkToken);
    const [first, second, third] = [40, 41, 42].map((sequence) =>
      buildTestDrop({ park: 'put-park', sequence }),
    ) as [TestDrop, TestDrop, TestDrop];
    expect(await lastUsed()).toBeNull();

    expect((await putDrop(client, first.zip, first.fileName)).status).toBe('stored');
    expect(await lastUsed()).toBeInstanceOf(Date);

    await env.pool.query('UPDATE parks SET disabled_at = now() WHERE id = $1', ['put-park']);
    expect(await refusal(putDrop(client, second.zip, second.fileName))).toEqual({
      code: 'UNAUTHORIZED',
      message: UNRECOGNISED_TOKEN_MESSAGE,
    });
    await env.pool.query('UPDATE parks SET disabled_at = NULL WHERE id = $1', ['put-park']);
    expect((await putDrop(client, second.zip, second.fileName)).status).toBe('stored');

    expect(await revokeParkToken(env.pool, parkToken)).toBe(true);
    expect(await refusal(putDrop(client, third.zip, third.fileName))).toEqual({
      code: 'UNAUTHORIZED',
      message: UNRECOGNISED_TOKEN_MESSAGE,
    });
    const stored = await env.pool.query('SELECT 1 FROM batches WHERE sha256 = $1', [
      sha(third.zip),
    ]);
    expect(stored.rowCount).toBe(0);
  });

  it('POST /ingest/put refuses a body longer than any put, without reading it all, and stores nothing', async () => {
    const drop = buildTestDrop({ sequence: 31 });
    const declared = dropPutHeaders(beginInputOf(drop.zip, drop.fileName));
    const batches = await count('batches');
    const oversized = Buffer.alloc(MAX_BODY_BYTES + 1024 * 1024);
    drop.zip.copy(oversized);

    const answer = await fetch(`${central.url}${DROP_PUT_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...declared },
      body: oversized,
    }).then(
      async (r) => ({ status: r.status, text: await r.text() }),
      // Central closes the connection once it has answered; a client still sending may see that.
      (err: Error) => ({ status: 0, text: err.message }),
    );

    if (answer.status !== 0) {
      expect(answer.status).toBe(413);
      expect(answer.text).toContain('send it in chunks');
    }
    expect(await count('batches')).toBe(batches);
    expect(await uploadFiles()).toEqual([]);
    const again = await putDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
    expect(again.status).toBe('stored');
  });

  it('sends puts the tRPC way while central does not know POST /ingest/put (an older central), and tries the path again later', async () => {
    // An older central's answer to the path: 405 from its dashboard (or 404); the rest passes.
    // `upgraded` makes it a central that knows the path, as after an upgrade.
    let upgraded = false;
    const seen: string[] = [];
    const older = await startHttpProxy(central.url, {
      intercept: (req, res) => {
        seen.push(`${req.method} ${req.url}`);
        if (req.url !== DROP_PUT_PATH || upgraded) return false;
        res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' });
        res.end(JSON.stringify({ error: 'method not allowed' }));
        return true;
      },
    });
    try {
      let clock = Date.parse('2026-07-01T10:00:00Z');
      const warned: number[] = [];
      const client = createParkClient(older.url, token, {
        now: () => clock,
        onPathUnknown: (status) => warned.push(status),
      });
      let sequence = 36;
      const put = async () => {
        const d = buildTestDrop({ sequence: sequence++ });
        return (await putDrop(client, d.zip, d.fileName)).status;
      };

      expect(await put()).toBe('stored');
      expect(await put()).toBe('stored');
      clock += PUT_PATH_RECHECK_MS - 1000;
      expect(await put()).toBe('stored');
      // Still older when the time comes: tried once more, said once (it did not change).
      clock += 1000;
      expect(await put()).toBe('stored');
      upgraded = true;
      clock += PUT_PATH_RECHECK_MS;
      expect(await put()).toBe('stored');

      expect(seen).toEqual([
        `POST ${DROP_PUT_PATH}`,
        'POST /trpc/ingest.put',
        // The next puts go the tRPC way at once, until the recheck is due.
        'POST /trpc/ingest.put',
        'POST /trpc/ingest.put',
        `POST ${DROP_PUT_PATH}`,
        'POST /trpc/ingest.put',
        // Upgraded: the path again.
        `POST ${DROP_PUT_PATH}`,
      ]);
      expect(warned).toEqual([405]);
    } finally {
      await older.close();
    }
  });

  it("sends a put the tRPC way once when the answer is not central's (a proxy's error page), and tries the path again next time", async () => {
    let pageLeft = 1;
    const seen: string[] = [];
    const proxy = await startHttpProxy(central.url, {
      intercept: (req, res) => {
        seen.push(`${req.method} ${req.url}`);
        if (req.url !== DROP_PUT_PATH || pageLeft-- <= 0) return false;
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>Bad Gateway</body></html>');
        return true;
      },
    });
    try {
      const client = createParkClient(proxy.url, token);
      const first = buildTestDrop({ sequence: 34 });
      const second = buildTestDrop({ sequence: 35 });

      expect((await putDrop(client, first.zip, first.fileName)).status).toBe('stored');
      expect((await putDrop(client, second.zip, second.fileName)).status).toBe('stored');

      expect(seen).toEqual([
        `POST ${DROP_PUT_PATH}`,
        'POST /trpc/ingest.put',
        `POST ${DROP_PUT_PATH}`,
      ]);
    } finally {
      await proxy.close();
    }
  });
});
