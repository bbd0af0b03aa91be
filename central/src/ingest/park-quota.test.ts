import { createHash } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../blob/blob-store.ts';
import { startCentral, type RunningCentral } from '../central.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import { sweepRetention } from '../retention/retention-sweeper.ts';
import type { AppRouter } from '../server/router.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import {
  createParkClient,
  createTestEnvironment,
  putDrop,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';

// Issue 21, finding 5: nothing bounded what one park (or whoever holds its token) could store
// at central, so it could fill the disk every other park writes to.

let env: TestEnvironment;
let central: RunningCentral;
let greedy: string;
let other: string;
const drops = Array.from({ length: 4 }, (_, i) =>
  buildTestDrop({ park: 'greedy', start: `2026-06-01T1${i}:00:00Z`, salt: i }),
);
const dropBytes = Math.max(...drops.map((d) => d.zip.length));

function drop(i: number): (typeof drops)[number] {
  const d = drops[i];
  if (!d) throw new Error(`no test drop ${i}`);
  return d;
}

beforeAll(async () => {
  env = await createTestEnvironment('park-quota');
  central = await startCentral(
    // Room for two drops stored, and for one and a half drops in flight.
    {
      ...env.config,
      parkQuota: {
        storedBytes: Math.floor(dropBytes * 2.5),
        inFlightBytes: Math.floor(dropBytes * 1.5),
      },
    },
    { publisher: false, scheduler: false, uploadSweeper: false },
  );
  ({ token: greedy } = await createPark(env.pool, {
    id: 'greedy',
    name: 'Greedy',
    timezone: 'Europe/Rome',
  }));
  ({ token: other } = await createPark(env.pool, {
    id: 'other',
    name: 'Other',
    timezone: 'Europe/Rome',
  }));
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

async function refusal(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCClientError);
  const e = err as TRPCClientError<AppRouter>;
  return {
    code: e.data?.code,
    message: e.message,
    retryAfterS: (e.data as { retryAfterS?: number }).retryAfterS,
  };
}

function beginOf(d: (typeof drops)[number]) {
  return {
    sha256: createHash('sha256').update(d.zip).digest('hex'),
    contentId: createHash('sha256').update(d.fileName).digest('hex'),
    bytes: d.zip.length,
    fileName: d.fileName,
  };
}

describe('per-park quota', () => {
  it('bounds the bytes a park may have in flight; its own upload resumes', async () => {
    const client = createParkClient(central.url, greedy);
    const first = await client.ingest.begin.mutate(beginOf(drop(0)));
    expect(first.status).toBe('upload');
    // A second upload begun beside it would pass 1.5 drops in flight.
    const second = await refusal(client.ingest.begin.mutate(beginOf(drop(1))));
    expect(second.code).toBe('TOO_MANY_REQUESTS');
    expect(second.message).toContain('unfinished uploads');
    expect(second.retryAfterS).toBe(60);
    // The one in flight is resumed, not refused; finishing it frees the room.
    expect((await client.ingest.begin.mutate(beginOf(drop(0)))).status).toBe('upload');
    expect(await uploadDrop(client, drop(0).zip, drop(0).fileName)).toMatchObject({
      status: 'stored',
    });
  });

  it('bounds the bytes a park has stored, and leaves other parks and known drops alone', async () => {
    const client = createParkClient(central.url, greedy);
    expect(await uploadDrop(client, drop(1).zip, drop(1).fileName)).toMatchObject({
      status: 'stored',
    });
    const third = await refusal(uploadDrop(client, drop(2).zip, drop(2).fileName));
    expect(third.code).toBe('TOO_MANY_REQUESTS');
    expect(third.message).toContain('storage quota');
    expect(third.message).toContain('PARK_STORED_QUOTA_GB');
    expect(third.retryAfterS).toBe(600);
    // The agent's back-off reads the header too.
    const res = await fetch(`${central.url}/trpc/ingest.begin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${greedy}` },
      body: JSON.stringify(beginOf(drop(3))),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('600');
    // A drop sent whole (POST /ingest/put, the park and its quota in one statement) likewise.
    const whole = await refusal(putDrop(client, drop(2).zip, drop(2).fileName));
    expect(whole).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryAfterS: 600 });
    expect(whole.message).toContain('storage quota');
    // Nothing of the refused drops is held.
    const held = await env.pool.query("SELECT 1 FROM uploads WHERE park_id = 'greedy'");
    expect(held.rowCount).toBe(0);
    const kept = await env.pool.query('SELECT 1 FROM batches WHERE sha256 = ANY($1)', [
      [drop(2), drop(3)].map((d) => createHash('sha256').update(d.zip).digest('hex')),
    ]);
    expect(kept.rowCount).toBe(0);
    // A drop central already has is still answered (it stores nothing), chunked or whole.
    expect(await uploadDrop(client, drop(1).zip, drop(1).fileName)).toMatchObject({
      status: 'duplicate',
    });
    expect(await putDrop(client, drop(1).zip, drop(1).fileName)).toMatchObject({
      status: 'duplicate',
    });
    // Another park has its own quota.
    const elsewhere = buildTestDrop({ park: 'other', start: '2026-06-01T10:00:00Z' });
    expect(
      await uploadDrop(createParkClient(central.url, other), elsewhere.zip, elsewhere.fileName),
    ).toMatchObject({ status: 'stored' });
  });

  it('counts only the drops whose files central keeps: after blob retention the park may send again', async () => {
    const client = createParkClient(central.url, greedy);
    // Still over its quota from the test before.
    expect((await refusal(uploadDrop(client, drop(2).zip, drop(2).fileName))).code).toBe(
      'TOO_MANY_REQUESTS',
    );
    // Retention removes the files of every drop received until now (rows and figures stay).
    const blobs = new BlobStore(env.config.blobDir);
    await blobs.init();
    const swept = await sweepRetention(
      env.pool,
      blobs,
      { cyclesMs: null, blobsMs: 1 },
      createLogger('silent'),
      Date.now() + 1000,
    );
    expect(swept.blobs).toBeGreaterThanOrEqual(2);
    expect(await uploadDrop(client, drop(2).zip, drop(2).fileName)).toMatchObject({
      status: 'stored',
    });
  });
});
