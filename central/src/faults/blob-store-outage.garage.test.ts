import { createHash } from 'node:crypto';
import amqp from 'amqplib';
import { verifyDrop } from '@zra/shared';
import type { TRPCClient } from '@trpc/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import type { CentralConfig } from '../config.ts';
import { deadLetterQueueName, queueName } from '../queue/queue-names.ts';
import type { AppRouter } from '../server/router.ts';
import {
  GARAGE_HOOK_TIMEOUT_MS,
  garageBlobStore,
  garageSettings,
} from '../testing/garage-store.ts';
import { captureLog } from '../testing/log-capture.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  putDrop,
  sendChunk,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop, type TestDrop } from '../testing/test-drop.ts';
import { startWorker, type RunningWorker } from '../worker/worker.ts';
import { startGarage, type GarageServer } from '../../../scripts/harness/garage.ts';
import { startTcpProxy, type TcpProxy } from '../../../scripts/harness/tcp-proxy.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { trpcCode } from './agent-like-upload.ts';

// The object store (a real Garage) stops while a park uploads and while a job reads a drop:
// SIGKILL (a crashed node: connections refused), SIGSTOP (a hung node: nothing answers) and a
// cut TCP link. Central answers the park "try again" and loses nothing; a job waits the
// outage out holding its message, without using one of the drop's attempts.

let garage: GarageServer;
let env: TestEnvironment;
let config: CentralConfig;
let central: RunningCentral;
let client: TRPCClient<AppRouter>;
let worker: RunningWorker | undefined;
let proxy: TcpProxy | undefined;

/** A short S3_TIMEOUT_S, so a frozen store is given up on within seconds. */
const TIMEOUT_MS = 2000;

beforeAll(async () => {
  garage = await startGarage('outage');
  env = await createTestEnvironment('fault-blob-store');
  config = { ...env.config, blobStore: garageSettings(garage, { timeoutMs: TIMEOUT_MS }) };
  central = await startCentral(config, { scheduler: false });
  const token = await createTestPark(env.pool);
  client = createParkClient(central.url, token);
}, GARAGE_HOOK_TIMEOUT_MS);

afterAll(async () => {
  await worker?.stop();
  await central?.close();
  await proxy?.close();
  await env?.cleanup();
  await garage?.destroy();
});

// A test that failed half-way must not leave its worker consuming the next test's drop.
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await proxy?.close();
  proxy = undefined;
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The park's `begin`, as the agent sends it. */
async function begin(drop: TestDrop) {
  const verdict = verifyDrop(drop.zip);
  if (!verdict.ok) throw new Error('test drop must be valid');
  const begun = await client.ingest.begin.mutate({
    sha256: sha256(drop.zip),
    contentId: verdict.contentId,
    bytes: drop.zip.length,
    fileName: drop.fileName,
  });
  if (begun.status !== 'upload') throw new Error(`expected an upload, got ${begun.status}`);
  return begun;
}

/** Sends the chunks from `offset` to `end`; answers the new offset. */
async function sendFrom(drop: TestDrop, uploadId: string, offset: number, end: number) {
  let at = offset;
  while (at < end) {
    at = (await sendChunk(client, uploadId, at, drop.zip.subarray(at, Math.min(end, at + 4096))))
      .offset;
  }
  return at;
}

/** The refusal a call met: tRPC code, HTTP status, sentence. */
async function refusal(call: Promise<unknown>) {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('the call should have been refused');
  const data = (err as { data?: { httpStatus?: number } }).data;
  return { code: trpcCode(err), status: data?.httpStatus, message: err.message };
}

/** What a park hears during an outage: 503, "try again", no address of the store. */
function expectTryAgain(answer: { code?: string; status?: number; message: string }): void {
  expect(answer).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
  expect(answer.message).toMatch(/blob store/);
  expect(answer.message).toMatch(/try again/);
  expect(answer.message).not.toContain('127.0.0.1');
  expect(answer.message).not.toContain(String(garage.s3Port));
}

async function batchesOf(drop: TestDrop): Promise<string[]> {
  const r = await env.pool.query<{ id: string }>('SELECT id FROM batches WHERE sha256 = $1', [
    sha256(drop.zip),
  ]);
  return r.rows.map((row) => row.id);
}

async function receivedBytes(uploadId: string): Promise<number> {
  const r = await env.pool.query<{ received_bytes: string }>(
    'SELECT received_bytes FROM uploads WHERE id = $1',
    [uploadId],
  );
  return Number(r.rows[0]?.received_bytes);
}

describe('the object store stopped during an upload', () => {
  it('killed (SIGKILL) mid-upload: the next chunk answers 503 "try again", and after the restart the upload resumes at the offset central holds and commits once', async () => {
    const drop = buildTestDrop({ sequence: 1, cycles: 3, start: '2026-06-01T08:00:00Z' });
    const begun = await begin(drop);
    const half = Math.floor(drop.zip.length / 2);
    const sent = await sendFrom(drop, begun.uploadId, 0, half);

    await garage.stop();
    expectTryAgain(
      await refusal(sendChunk(client, begun.uploadId, sent, drop.zip.subarray(sent, sent + 4096))),
    );
    // Nothing half-recorded: central still holds what it held before the failed chunk.
    expect(await receivedBytes(begun.uploadId)).toBe(sent);

    await garage.start();
    // The agent's next round: begin answers the same upload and where to go on from.
    const resumed = await begin(drop);
    expect(resumed).toMatchObject({ uploadId: begun.uploadId, offset: sent });
    await sendFrom(drop, begun.uploadId, sent, drop.zip.length);
    const committed = await client.ingest.commit.mutate({ uploadId: begun.uploadId });
    expect(committed.status).toBe('stored');
    expect(await batchesOf(drop)).toEqual([committed.batchId]);
  });

  it('frozen (SIGSTOP) at the commit: the commit answers 503 within the S3 timeout, and the retried commit stores the drop once', async () => {
    const drop = buildTestDrop({ sequence: 2, cycles: 2, start: '2026-06-01T09:00:00Z' });
    const begun = await begin(drop);
    await sendFrom(drop, begun.uploadId, 0, drop.zip.length);

    garage.pause();
    const started = Date.now();
    let answer: Awaited<ReturnType<typeof refusal>>;
    try {
      answer = await refusal(client.ingest.commit.mutate({ uploadId: begun.uploadId }));
    } finally {
      garage.resume();
    }
    expectTryAgain(answer);
    // Each call to the store is given up after twice S3_TIMEOUT_S; a commit makes a few.
    expect(Date.now() - started).toBeLessThan(10 * TIMEOUT_MS);
    expect(await batchesOf(drop)).toEqual([]);

    const committed = await client.ingest.commit.mutate({ uploadId: begun.uploadId });
    expect(committed.status).toBe('stored');
    expect(await batchesOf(drop)).toEqual([committed.batchId]);
  });

  it('killed (SIGKILL) under a drop sent whole: the put answers 503 "try again" and records nothing; the same put after the restart stores it once', async () => {
    const drop = buildTestDrop({ sequence: 3, cycles: 2, start: '2026-06-01T10:00:00Z' });
    const outbox = await env.pool.query('SELECT count(*)::int AS n FROM outbox');

    await garage.stop();
    try {
      expectTryAgain(await refusal(putDrop(client, drop.zip, drop.fileName)));
    } finally {
      await garage.start();
    }
    expect(await batchesOf(drop)).toEqual([]);
    expect(await env.pool.query('SELECT count(*)::int AS n FROM outbox')).toMatchObject({
      rows: outbox.rows,
    });

    const stored = await putDrop(client, drop.zip, drop.fileName);
    expect(stored.status).toBe('stored');
    expect(await batchesOf(drop)).toEqual([stored.batchId]);
    // The blob is whole in the bucket, read as a job reads it (checked against its SHA-256).
    const { rows } = await env.pool.query<{ blob_path: string }>(
      'SELECT blob_path FROM batches WHERE id = $1',
      [stored.batchId],
    );
    const store = garageBlobStore(garage, config.blobDir);
    const blob = await store.read(rows[0]?.blob_path ?? '');
    const pieces: Buffer[] = [];
    for await (const piece of blob.stream) pieces.push(piece as Buffer);
    expect(sha256(Buffer.concat(pieces))).toBe(sha256(drop.zip));
  });
});

describe('the object store stopped during a job', () => {
  async function processedOnce(batchId: string): Promise<void> {
    // The worker records the run's end in its own transaction, after the batch's results:
    // wait for both, or a loaded machine shows the run still open.
    await waitFor(
      `batch ${batchId} to be processed and its run to end`,
      async () => {
        const r = await env.pool.query<{ state: string; open: number }>(
          `SELECT state, (SELECT count(*)::int FROM job_runs
                           WHERE subject = $1 AND ended_at IS NULL) AS open
             FROM batches WHERE id = $1`,
          [batchId],
        );
        return r.rows[0]?.state === 'processed' && r.rows[0].open === 0;
      },
      { timeoutMs: 60_000 },
    );
    const runs = await env.pool.query<{ attempt: number; outcome: string | null }>(
      'SELECT attempt, outcome FROM job_runs WHERE subject = $1 ORDER BY id',
      [batchId],
    );
    // One run, attempt 1: the outage was waited out inside it, never counted as a failure.
    expect(runs.rows).toEqual([{ attempt: 1, outcome: 'succeeded' }]);
    const error = await env.pool.query<{ error: string | null }>(
      'SELECT error FROM batches WHERE id = $1',
      [batchId],
    );
    expect(error.rows[0]?.error).toBeNull();
  }

  async function queuesEmpty(): Promise<void> {
    const conn = await amqp.connect(config.amqpUrl);
    try {
      const ch = await conn.createChannel();
      for (const q of [
        queueName(config.queuePrefix, 'postprocess'),
        deadLetterQueueName(config.queuePrefix, 'postprocess'),
      ]) {
        expect((await ch.checkQueue(q)).messageCount, q).toBe(0);
      }
    } finally {
      await conn.close();
    }
  }

  /** Uploads a drop while no worker runs; answers its batch id. */
  async function stored(drop: TestDrop): Promise<string> {
    const begun = await begin(drop);
    await sendFrom(drop, begun.uploadId, 0, drop.zip.length);
    const committed = await client.ingest.commit.mutate({ uploadId: begun.uploadId });
    if (committed.status !== 'stored') throw new Error(`commit ended ${committed.status}`);
    return committed.batchId;
  }

  // A cut link (connections reset, new ones refused) and a silent one (nothing crosses, only
  // the socket's idle limit, S3_TIMEOUT_S, notices).
  for (const [fault, sequence] of [
    ['cut', 3],
    ['blackholed', 5],
  ] as const) {
    it(`the worker's link to the store ${fault} as the drop's bytes arrive: the job waits, holding its message, and succeeds at its first attempt once the link is back`, async () => {
      const drop = buildTestDrop({
        sequence,
        cycles: 3,
        start: `2026-06-01T${String(7 + sequence).padStart(2, '0')}:00:00Z`,
      });
      const batchId = await stored(drop);
      // The zip's first local header (its first entry's CRC and sizes): this drop's body
      // coming back from the store, not another's.
      const zipStart = drop.zip.subarray(0, 30);
      let armed = true;
      let faults = 0;
      const link = await startTcpProxy({
        targetHost: '127.0.0.1',
        targetPort: garage.s3Port,
        onData: (direction, chunk) => {
          if (armed && direction === 'to-client' && chunk.includes(zipStart)) {
            armed = false;
            faults += 1;
            if (fault === 'cut') link.cut();
            else link.blackhole();
          }
        },
      });
      proxy = link;
      const capture = captureLog('info');
      worker = await startWorker(
        {
          ...config,
          blobStore: garageSettings(garage, { timeoutMs: TIMEOUT_MS, endpoint: link.url }),
        },
        { log: capture.log, retryDelayMs: 50 },
      );
      const wait = await capture.waitFor(
        'the worker to say it waits for the blob store',
        (l) => l.level === 50 && l.dependency === 'blob-store' && l.subject === batchId,
      );
      expect(faults).toBe(1);
      // A silent link is only noticed by the socket's idle limit; a cut one either way.
      if (fault === 'blackholed') expect(wait.timeout).toBe(true);
      expect(String(wait.msg)).toMatch(/no attempt is counted/);
      // The outage lasts a few of the worker's tries.
      await capture.waitFor(
        'a second try against the broken link',
        (l) => l.level === 40 && l.dependency === 'blob-store' && l.subject === batchId,
      );
      link.restore();
      await processedOnce(batchId);
      expect(capture.lines.filter((l) => l.msg === 'job failed')).toEqual([]);
      expect(
        capture.lines.some((l) => l.subject === batchId && String(l.msg).includes('resumed')),
      ).toBe(true);
      await worker.stop();
      worker = undefined;
      await link.close();
      proxy = undefined;
      await queuesEmpty();
    });
  }

  it('Garage killed (SIGKILL) when a job starts and started again: the job waits it out and succeeds at its first attempt', async () => {
    const drop = buildTestDrop({ sequence: 4, cycles: 2, start: '2026-06-01T11:00:00Z' });
    const batchId = await stored(drop);
    await garage.stop();
    const capture = captureLog('info');
    worker = await startWorker(config, { log: capture.log, retryDelayMs: 50 });
    await capture.waitFor(
      'the worker to say it waits for the blob store',
      (l) => l.level === 50 && l.dependency === 'blob-store' && l.subject === batchId,
    );
    await capture.waitFor(
      'a second try against the stopped store',
      (l) => l.level === 40 && l.dependency === 'blob-store' && l.subject === batchId,
    );
    await garage.start();
    await processedOnce(batchId);
    expect(capture.lines.filter((l) => l.msg === 'job failed')).toEqual([]);
    await worker.stop();
    worker = undefined;
    await queuesEmpty();
  });
});
